package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
	"go.yaml.in/yaml/v4/plugin/loaderlimits"

	"github.com/callboard/callboard/plugin"
)

// ParseLimits bounds what entity YAML parsing accepts, so that a hostile
// file (an alias bomb, absurd nesting, a huge upload) fails fast with a clear
// error and bounded memory. Zero fields take the defaults.
type ParseLimits struct {
	// MaxBytes is the largest input accepted; default 4 MiB.
	MaxBytes int
	// MaxDepth is the deepest nesting of mappings and sequences; default 128.
	MaxDepth int
	// MaxAliasNodes is how many nodes alias expansion may produce in one
	// input; default 100,000.
	MaxAliasNodes int
}

// Default parse limits.
const (
	DefaultParseMaxBytes      = 4 << 20
	DefaultParseMaxDepth      = 128
	DefaultParseMaxAliasNodes = 100_000
)

func (l ParseLimits) withDefaults() ParseLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultParseMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultParseMaxDepth
	}
	if l.MaxAliasNodes <= 0 {
		l.MaxAliasNodes = DefaultParseMaxAliasNodes
	}
	return l
}

// ParseEntityYAML parses a multi-document YAML file of entities with the
// default limits. See ParseEntityYAMLLimits.
func ParseEntityYAML(data []byte, loc plugin.Location) ([]plugin.RawEntity, []error) {
	return ParseEntityYAMLLimits(data, loc, ParseLimits{})
}

// ParseEntityYAMLLimits parses a multi-document YAML file as Backstage's
// parseEntityYaml does: every document that is a mapping becomes a
// RawEntity at loc, with its line and column; empty (null) documents are
// skipped; any other document is an error "Expected object at root, got
// <type>" (named as JavaScript's typeof would, so a sequence is an
// "object"). A syntax error ends parsing with "YAML error at <loc>,
// <message> at line L, column C"; the documents before it are kept.
//
// Values follow the YAML 1.2 core schema, as Backstage's parser does: "yes"
// is a string, 0755 is the number 755, timestamps stay strings, numbers are
// float64 (JavaScript numbers) and infinities and NaN become null, as they
// would in JSON. Merge keys ("<<") are plain keys, and duplicate keys are an
// error. Keys differing only in case are accepted here.
func ParseEntityYAMLLimits(data []byte, loc plugin.Location, lim ParseLimits) ([]plugin.RawEntity, []error) {
	where := loc.String()
	docs, err := newDocReader(data, lim)
	if err != nil {
		return nil, []error{fmt.Errorf("YAML error at %s, %w", where, err)}
	}
	var (
		out  []plugin.RawEntity
		errs []error
	)
	for {
		v, root, err := docs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("YAML error at %s, %w", where, err))
			if docs.done {
				break
			}
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			out = append(out, plugin.RawEntity{Data: v, Location: loc, Line: root.Line, Column: root.Column})
		case nil:
			// An empty document, e.g. after a trailing "---".
		default:
			//lint:ignore ST1005 Backstage's exact text
			err := fmt.Errorf("Expected object at root, got %s", jsTypeOf(v))
			errs = append(errs, &DocumentError{Line: root.Line, Column: root.Column, Err: err})
		}
	}
	return out, errs
}

// DocumentError is an error about one document of a file, with the
// document's position. Its text is the wrapped error's, as Backstage words
// it; callers that show positions (the validate command) read Line and
// Column.
type DocumentError struct {
	Line, Column int
	Err          error
}

func (e *DocumentError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *DocumentError) Unwrap() error { return e.Err }

// ParseYAMLValues parses every document of a YAML stream into JSON-like
// values with the rules and limits of ParseEntityYAMLLimits; any error ends
// parsing. Placeholders ($yaml) use it.
func ParseYAMLValues(data []byte, lim ParseLimits) ([]any, error) {
	docs, err := newDocReader(data, lim)
	if err != nil {
		return nil, err
	}
	var out []any
	for {
		v, _, err := docs.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// docReader yields the documents of a YAML stream one at a time.
type docReader struct {
	ld   *yaml.Loader
	conv converter
	// done is set once the stream cannot go on: after a syntax error or
	// when a limit is reached.
	done bool
}

func newDocReader(data []byte, lim ParseLimits) (*docReader, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("input of %d bytes exceeds the limit of %d bytes", len(data), lim.MaxBytes)
	}
	depthLimit := loaderlimits.DepthFunc(func(depth int, _ *yaml.DepthContext) error {
		if depth > lim.MaxDepth {
			return fmt.Errorf("nesting depth exceeds the limit of %d", lim.MaxDepth)
		}
		return nil
	})
	ld, err := yaml.NewLoader(bytes.NewReader(data), yaml.WithPlugin(loaderlimits.New(depthLimit)))
	if err != nil {
		return nil, err
	}
	return &docReader{ld: ld, conv: converter{lim: lim}}, nil
}

// next returns the next document's value and root node, or io.EOF.
func (d *docReader) next() (any, *yaml.Node, error) {
	if d.done {
		return nil, nil, io.EOF
	}
	var doc yaml.Node
	if err := d.ld.Load(&doc); err != nil {
		d.done = true
		if errors.Is(err, io.EOF) {
			return nil, nil, io.EOF
		}
		return nil, nil, errors.New(loadErrorText(err))
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, root, nil
		}
		root = doc.Content[0]
	}
	v, err := d.conv.value(root, 0)
	if d.conv.fatal {
		d.done = true
	}
	return v, root, err
}

// loadErrorText renders a go-yaml error as "<message> at line L, column C".
func loadErrorText(err error) string {
	var le *yaml.LoadError
	if !errors.As(err, &le) {
		return err.Error()
	}
	msg := le.Message
	if msg == "" && le.Unwrap() != nil {
		msg = le.Unwrap().Error()
	}
	if le.ContextMsg != "" {
		msg = msg + " (" + le.ContextMsg + ")"
	}
	if le.Mark.Line > 0 {
		msg += " at " + le.Mark.String()
	}
	return msg
}

func jsTypeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	default:
		return "object"
	}
}

// converter turns a yaml.Node tree into JSON-like Go values, expanding
// aliases within a budget.
type converter struct {
	lim ParseLimits
	// aliasNodes counts nodes produced by alias expansion so far.
	aliasNodes int
	// expanding holds the anchors being expanded, to refuse cycles.
	expanding []*yaml.Node
	// fatal is set when the budget is spent; parsing then stops.
	fatal bool
}

func posError(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf(format+" at line %d, column %d", append(args, n.Line, n.Column)...)
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	if depth > c.lim.MaxDepth {
		c.fatal = true
		return nil, posError(n, "nesting depth exceeds the limit of %d", c.lim.MaxDepth)
	}
	if len(c.expanding) > 0 {
		c.aliasNodes++
		if c.aliasNodes > c.lim.MaxAliasNodes {
			c.fatal = true
			return nil, posError(n, "alias expansion exceeds the limit of %d nodes", c.lim.MaxAliasNodes)
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.alias(n, depth)
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := c.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := c.key(n.Content[i])
			if err != nil {
				return nil, err
			}
			if _, dup := out[k]; dup {
				return nil, posError(n.Content[i], "Map keys must be unique; %q is repeated", k)
			}
			v, err := c.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, posError(n, "unsupported YAML node")
}

func (c *converter) alias(n *yaml.Node, depth int) (any, error) {
	target := n.Alias
	if target == nil {
		return nil, posError(n, "unknown alias %q", n.Value)
	}
	for _, a := range c.expanding {
		if a == target {
			return nil, posError(n, "alias %q refers to a value that contains it", n.Value)
		}
	}
	c.expanding = append(c.expanding, target)
	v, err := c.value(target, depth)
	c.expanding = c.expanding[:len(c.expanding)-1]
	return v, err
}

// key returns a mapping key as a string; JavaScript turns scalar keys of
// any type into their text, and so do we.
func (c *converter) key(n *yaml.Node) (string, error) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", posError(n, "mapping keys must be scalars")
	}
	return n.Value, nil
}

// scalar resolves a scalar with the YAML 1.2 core schema. go-yaml tags
// plain scalars with YAML 1.1 leanings (0755 as octal, 1_000 as an int), so
// the value is re-read here and falls back to a string when the core
// schema would not take it as a number.
func scalar(n *yaml.Node) any {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int":
		if f, ok := coreInt(n.Value); ok {
			return f
		}
	case "!!float":
		if f, ok := coreFloat(n.Value); ok {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil // as JSON.stringify would store it
			}
			return f
		}
	}
	return n.Value
}

func coreInt(s string) (float64, bool) {
	switch {
	case strings.HasPrefix(s, "0o"):
		u, err := strconv.ParseUint(s[2:], 8, 64)
		return float64(u), err == nil
	case strings.HasPrefix(s, "0x"):
		u, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(u), err == nil
	}
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || len(s)-len(digits) > 1 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func coreFloat(s string) (float64, bool) {
	switch strings.ToLower(strings.TrimLeft(s, "+")) {
	case ".inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
