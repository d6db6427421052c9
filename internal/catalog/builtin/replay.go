package builtin

import (
	"strings"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/plugin"
)

// replayer returns the emitter as a catalog.Replayer and the scope a
// reader with the given fingerprint records its files in, or nil when
// nothing is to be replayed or recorded now (ADR 0009).
func replayer(emit plugin.Emitter, cache plugin.Cache, fingerprint string) (catalog.Replayer, string) {
	rp, ok := emit.(catalog.Replayer)
	if !ok || cache == nil {
		return nil, ""
	}
	scope := rp.ReplayScope()
	if scope == "" {
		return nil, ""
	}
	return rp, scope + "/" + fingerprint
}

// recordChildren encodes the children of one file as "<ref> <hash>|" for
// each; ok is false when a ref holds a separator, and the file is then not
// recorded.
func recordChildren(children []catalog.ReplayedChild) (string, bool) {
	var b strings.Builder
	for _, c := range children {
		if strings.ContainsAny(c.Ref, " |") || strings.ContainsAny(c.Hash, " |") {
			return "", false
		}
		b.WriteString(c.Ref)
		b.WriteByte(' ')
		b.WriteString(c.Hash)
		b.WriteByte('|')
	}
	return b.String(), true
}

// replayChildren decodes what recordChildren encoded; ok is false for
// anything else.
func replayChildren(s string) ([]catalog.ReplayedChild, bool) {
	out := make([]catalog.ReplayedChild, 0, strings.Count(s, "|"))
	for s != "" {
		entry, rest, ok := strings.Cut(s, "|")
		if !ok {
			return nil, false
		}
		ref, hash, ok := strings.Cut(entry, " ")
		if !ok || ref == "" || hash == "" {
			return nil, false
		}
		out = append(out, catalog.ReplayedChild{Ref: ref, Hash: hash})
		s = rest
	}
	return out, true
}
