package web

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
)

// source is a place in a catalog file: a location such as
// file:/repo/catalog-info.yaml or url:https://host/catalog-info.yaml, and
// a line and column when known.
type source struct {
	// Type is the location type ("file", "url", ...); "" when the text
	// was not a location ref.
	Type string
	// Target is the path or URL, or the whole text when Type is "".
	Target string
	// Href links to the target when it is a web URL.
	Href         string
	Line, Column int
}

// Known reports whether anything is known.
func (s source) Known() bool { return s.Target != "" }

// parseSource reads a location ref ("<type>:<target>").
func parseSource(ref string) source {
	typ, target, ok := strings.Cut(ref, ":")
	if !ok || typ == "" || strings.ContainsAny(typ, "/ ") {
		return source{Target: ref}
	}
	s := source{Type: typ, Target: target}
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		s.Href = u.String()
	}
	return s
}

// errorView is one processing error as the page shows it: the error, the
// place it points at, and its causes from outermost to innermost.
type errorView struct {
	Name, Message string
	At            source
	// ShowAt is false when At adds nothing to the entity's own source.
	ShowAt bool
	Causes []entity.SerializedError
}

var (
	// positionRE finds the position the YAML parser puts in its messages.
	positionRE = regexp.MustCompile(`at line (\d+), column (\d+)`)
	// yamlFileRE finds the file a YAML error names: "YAML error at <loc>, ...".
	yamlFileRE = regexp.MustCompile(`^YAML error at (.+?), `)
)

// viewError converts a serialized error, placing it in the file its
// message names, else in the entity's own source, with the line and column
// the message gives.
func viewError(e entity.SerializedError, entitySource source) errorView {
	v := errorView{Name: e.Name, Message: e.Message}
	for c := e.Cause; c != nil; c = c.Cause {
		v.Causes = append(v.Causes, entity.SerializedError{Name: c.Name, Message: c.Message, Code: c.Code})
	}
	v.At = entitySource
	if m := yamlFileRE.FindStringSubmatch(e.Message); m != nil {
		v.At = parseSource(m[1])
	}
	texts := []string{e.Message}
	for _, c := range v.Causes {
		texts = append(texts, c.Message)
	}
	for _, t := range texts {
		if m := positionRE.FindAllStringSubmatch(t, -1); m != nil {
			last := m[len(m)-1]
			v.At.Line, _ = strconv.Atoi(last[1])
			v.At.Column, _ = strconv.Atoi(last[2])
			break
		}
	}
	v.ShowAt = v.At.Known() && v.At != entitySource
	return v
}
