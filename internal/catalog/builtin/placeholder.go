package builtin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin/scmurl"
	"github.com/callboard/callboard/plugin"
)

// PlaceholderProcessor resolves Backstage's placeholders: an object with
// exactly one key, "$text", "$json" or "$yaml", whose value is a string, is
// replaced by the content of the file that string names (as text, as
// parsed JSON, or as the single document of a YAML file).
//
// The value is an absolute URL or a path relative to the entity's own
// location. For url locations that is URL resolution against the catalog
// file's URL, and a file of another repository on a git host is refused.
// For file locations the path is relative to the catalog file's directory:
// a Callboard extension, since Backstage resolves relative placeholders
// only for url locations. File locations come from the server's own
// configuration, so their files are trusted to read other files of the
// server; absolute paths are still refused. Any other object (several keys, an unknown
// "$ref", a non-string value) is left as it is and not looked into.
type PlaceholderProcessor struct {
	urls        URLReader
	maxFileSize int64
}

var (
	_ plugin.PreProcessor           = (*PlaceholderProcessor)(nil)
	_ plugin.DeterministicProcessor = (*PlaceholderProcessor)(nil)
)

// Name returns Backstage's name for the processor.
func (*PlaceholderProcessor) Name() string { return "PlaceholderProcessor" }

// Fingerprint describes the read limit. What a placeholder reads is
// reported as external input, so the reader's configuration need not be.
func (p *PlaceholderProcessor) Fingerprint() string { return fmt.Sprintf("max=%d", p.maxFileSize) }

// PreProcessEntity replaces the placeholders in data, copying the parts it
// changes.
func (p *PlaceholderProcessor) PreProcessEntity(ctx context.Context, data map[string]any, loc plugin.Location, emit plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	v, changed, err := p.walk(ctx, data, loc, emit)
	if err != nil || !changed {
		return data, err
	}
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return data, nil // the entity itself was a placeholder: the envelope check has refused that already
}

// walk returns the value with its placeholders replaced, and whether there
// were any; the value is only set when there were, so that nothing is
// allocated for the common case.
func (p *PlaceholderProcessor) walk(ctx context.Context, v any, loc plugin.Location, emit plugin.Emitter) (any, bool, error) {
	switch v := v.(type) {
	case []any:
		var out []any
		for i, item := range v {
			nv, changed, err := p.walk(ctx, item, loc, emit)
			if err != nil {
				return nil, false, err
			}
			if changed && out == nil {
				out = make([]any, len(v))
				copy(out, v)
			}
			if changed {
				out[i] = nv
			}
		}
		if out == nil {
			return nil, false, nil
		}
		return out, true, nil
	case map[string]any:
		for k, val := range v {
			if !strings.HasPrefix(k, "$") {
				continue
			}
			s, isString := val.(string)
			if len(v) != 1 || !isString || !knownResolver(k[1:]) {
				return nil, false, nil
			}
			res, err := p.resolve(ctx, k[1:], s, loc, emit)
			return res, err == nil, err
		}
		out, changed, err := p.walkMap(ctx, v, loc, emit)
		if !changed {
			return nil, false, err
		}
		return out, true, err
	}
	return nil, false, nil
}

// walkMap walks the values of an object without placeholder keys.
func (p *PlaceholderProcessor) walkMap(ctx context.Context, v map[string]any, loc plugin.Location, emit plugin.Emitter) (map[string]any, bool, error) {
	var out map[string]any
	for k, val := range v {
		nv, changed, err := p.walk(ctx, val, loc, emit)
		if err != nil {
			return nil, false, err
		}
		if changed {
			if out == nil {
				out = make(map[string]any, len(v))
				for k2, v2 := range v {
					out[k2] = v2
				}
			}
			out[k] = nv
		}
	}
	return out, out != nil, nil
}

// errorf is fmt.Errorf for Backstage's texts, which start with a capital
// letter.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func knownResolver(key string) bool { return key == "text" || key == "json" || key == "yaml" }

func (p *PlaceholderProcessor) resolve(ctx context.Context, key, value string, loc plugin.Location, emit plugin.Emitter) (any, error) {
	if x, ok := emit.(plugin.ExternalInputReporter); ok {
		x.ExternalInput() // the file or URL may change while the entity does not
	}
	data, err := p.read(ctx, key, value, loc, emit)
	if err != nil {
		return nil, err
	}
	switch key {
	case "json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, errorf("Placeholder $%s failed to parse JSON data at %s, %w", key, value, err)
		}
		return v, nil
	case "yaml":
		docs, err := catalog.ParseYAMLValues(data, catalog.ParseLimits{MaxBytes: int(p.maxFileSize)})
		if err != nil {
			return nil, errorf("Placeholder $%s found an error in the data at %s, %w", key, value, err)
		}
		if len(docs) != 1 {
			return nil, errorf("Placeholder $%s expected to find exactly one document of data at %s, found %d", key, value, len(docs))
		}
		return docs[0], nil
	}
	return string(data), nil
}

// read fetches the file a placeholder names and emits its refresh key.
func (p *PlaceholderProcessor) read(ctx context.Context, key, value string, loc plugin.Location, emit plugin.Emitter) ([]byte, error) {
	if u, err := url.Parse(value); err == nil && u.Scheme != "" && u.Host != "" {
		return p.readURL(ctx, key, value, value, loc, emit)
	}
	switch loc.Type {
	case "url":
		resolved, err := scmurl.Resolve(value, loc.Target)
		if err != nil {
			return nil, errorf("Placeholder $%s could not form a URL out of %s and %s, %w", key, loc.Target, value, err)
		}
		return p.readURL(ctx, key, value, resolved, loc, emit)
	case "file":
		if filepath.IsAbs(value) {
			return nil, errorf("Placeholder $%s could not form a URL out of %s and %s, absolute paths are not allowed", key, loc.Target, value)
		}
		path := filepath.Join(filepath.Dir(loc.Target), value)
		data, err := readFile(path, p.maxFileSize)
		if err != nil {
			return nil, errorf("Placeholder $%s could not read location %s, %w", key, value, err)
		}
		emit.RefreshKey("file:" + path)
		return data, nil
	}
	return nil, errorf("Placeholder $%s could not form a URL out of %s and %s, relative paths need a url or file location", key, loc.Target, value)
}

func (p *PlaceholderProcessor) readURL(ctx context.Context, key, value, resolved string, loc plugin.Location, emit plugin.Emitter) ([]byte, error) {
	if loc.Type == "url" {
		target, ok1 := scmurl.ParseGit(resolved)
		base, ok2 := scmurl.ParseGit(loc.Target)
		if ok1 && ok2 && !scmurl.SameRepository(target, base) {
			return nil, errorf("Placeholder may only reference files from the same repository as the entity")
		}
	}
	data, _, _, err := p.urls.Read(ctx, resolved, "")
	if err != nil {
		return nil, errorf("Placeholder $%s could not read location %s, %s", key, value, message(err))
	}
	emit.RefreshKey("url:" + resolved)
	return data, nil
}
