package techdocs

import (
	"context"
	"log/slog"
	"strings"
)

// lineHandler turns a build's log records into text lines ("warn: page
// not in nav path=x.md") for the sync stream and the entity page.
type lineHandler struct {
	emit  func(string)
	attrs []slog.Attr
	group string
}

func (h *lineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	if r.Level != slog.LevelInfo {
		b.WriteString(strings.ToLower(r.Level.String()))
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		if a.Equal(slog.Attr{}) {
			return true
		}
		b.WriteByte(' ')
		if h.group != "" {
			b.WriteString(h.group + ".")
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(a.Value.Resolve().String())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.emit(b.String())
	return nil
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &lineHandler{emit: h.emit, attrs: append(append([]slog.Attr{}, h.attrs...), as...), group: h.group}
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	g := name
	if h.group != "" {
		g = h.group + "." + name
	}
	return &lineHandler{emit: h.emit, attrs: h.attrs, group: g}
}
