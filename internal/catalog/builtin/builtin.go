// Package builtin holds the catalog processors every Callboard runs, in
// Backstage's order: placeholders ($text, $json, $yaml), the built-in kinds
// (validation and relations), the file and url location readers, and the
// annotations of entities read from URLs. They register through
// plugin.Registrar like any plugin.
package builtin

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// DefaultMaxFileSize bounds a file or URL read when Options.MaxFileSize is 0.
const DefaultMaxFileSize = catalog.DefaultParseMaxBytes

// Options configures the built-in processors.
type Options struct {
	// ReadingAllow is backend.reading.allow: the hosts the plain HTTP reader
	// may fetch from. Nothing is readable over HTTP when it is empty.
	ReadingAllow []AllowRule
	// HTTPClient makes the requests; a client with a 60 s timeout when nil.
	HTTPClient *http.Client
	// MaxFileSize bounds each file, URL or placeholder read, and the size of
	// YAML parsed; DefaultMaxFileSize when 0.
	MaxFileSize int64
	Logger      *slog.Logger
	// URLReader reads url locations and placeholders in place of the plain
	// HTTP reader, e.g. a reader that knows a forge's API and falls back to
	// NewHTTPReader for other hosts.
	URLReader URLReader
}

func (o Options) maxFileSize() int64 {
	if o.MaxFileSize > 0 {
		return o.MaxFileSize
	}
	return DefaultMaxFileSize
}

func (o Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// urlReader returns the configured reader or the plain HTTP reader. Allow
// rules that do not parse match nothing (Register reports them).
func (o Options) urlReader() URLReader {
	if o.URLReader != nil {
		return o.URLReader
	}
	r, err := NewHTTPReader(o.ReadingAllow, o.HTTPClient, o.maxFileSize())
	if err != nil {
		o.logger().Warn("invalid backend.reading.allow; reading over HTTP is disabled", "error", err)
		r, _ = NewHTTPReader(nil, o.HTTPClient, o.maxFileSize())
	}
	return r
}

// Processors returns the built-in processors in Backstage's order.
func Processors(o Options) []plugin.Processor {
	urls := o.urlReader()
	max := o.maxFileSize()
	return []plugin.Processor{
		&PlaceholderProcessor{urls: urls, maxFileSize: max},
		&KindsProcessor{},
		&FileReaderProcessor{maxFileSize: max},
		&URLReaderProcessor{urls: urls, maxFileSize: max},
		&AnnotateLocationProcessor{},
	}
}

// New returns the plugin that registers the built-in processors.
func New(o Options) plugin.Plugin { return &builtinPlugin{o: o} }

type builtinPlugin struct{ o Options }

func (p *builtinPlugin) ID() string { return "catalog-builtin" }

// Register adds the processors; invalid reading.allow rules are an error
// so that a typo does not silently stop reading.
func (p *builtinPlugin) Register(r plugin.Registrar) error {
	if p.o.URLReader == nil {
		if _, err := NewHTTPReader(p.o.ReadingAllow, p.o.HTTPClient, p.o.maxFileSize()); err != nil {
			return fmt.Errorf("catalog-builtin: %w", err)
		}
	}
	if p.o.Logger == nil {
		p.o.Logger = r.Logger()
	}
	for _, proc := range Processors(p.o) {
		r.AddProcessor(proc)
	}
	return nil
}
