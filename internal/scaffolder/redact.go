package scaffolder

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// redactedText replaces every secret value in what a task records.
const redactedText = "***"

// redactor replaces secret values in text.
type redactor struct {
	r *strings.Replacer
}

// newRedactor redacts the given secret values; longer values are replaced
// first so a secret containing another is hidden whole.
func newRedactor(secrets ...map[string]string) *redactor {
	var vals []string
	seen := map[string]bool{}
	for _, m := range secrets {
		for _, v := range m {
			if v != "" && !seen[v] {
				seen[v] = true
				vals = append(vals, v)
			}
		}
	}
	if len(vals) == 0 {
		return &redactor{}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, redactedText)
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

// String redacts s.
func (r *redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Value redacts every string (and map key) in JSON-like data, returning a
// copy.
func (r *redactor) Value(v any) any {
	if r == nil || r.r == nil {
		return v
	}
	switch x := v.(type) {
	case string:
		return r.String(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[r.String(k)] = r.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.Value(e)
		}
		return out
	}
	return v
}

// Map redacts a JSON object.
func (r *redactor) Map(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out, _ := r.Value(m).(map[string]any)
	return out
}

// stepLogHandler turns an action's log records into log events of its
// step: the message followed by its attributes as key=value, redacted.
type stepLogHandler struct {
	emit   func(msg string)
	attrs  []slog.Attr
	groups []string
}

var _ slog.Handler = (*stepLogHandler)(nil)

// Enabled keeps Info and above, as Backstage's task logger does: debug
// records (a line per file written) would cost a stored event each.
func (h *stepLogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *stepLogHandler) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	for _, a := range h.attrs {
		writeAttr(&b, "", a)
	}
	prefix := strings.Join(h.groups, ".")
	rec.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, prefix, a)
		return true
	})
	h.emit(b.String())
	return nil
}

func writeAttr(b *strings.Builder, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	key := a.Key
	if prefix != "" {
		key = prefix + "." + key
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			writeAttr(b, key, g)
		}
		return
	}
	fmt.Fprintf(b, " %s=%v", key, a.Value.Any())
}

func (h *stepLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	prefixed := make([]slog.Attr, 0, len(h.attrs)+len(attrs))
	prefixed = append(prefixed, h.attrs...)
	for _, a := range attrs {
		if len(h.groups) > 0 {
			a.Key = strings.Join(h.groups, ".") + "." + a.Key
		}
		prefixed = append(prefixed, a)
	}
	c.attrs = prefixed
	return &c
}

func (h *stepLogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(append([]string(nil), h.groups...), name)
	return &c
}
