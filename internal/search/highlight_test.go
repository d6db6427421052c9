package search

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHighlights(t *testing.T) {
	long := strings.Repeat("filler word ", 40) + "the release train leaves" + strings.Repeat(" more filler", 40)
	tests := []struct {
		name, query, title, text string
		want                     map[string]string
	}{
		{"words", "release train", "Release train", "How the release train ships",
			map[string]string{"title": "<>Release</> <>train</>", "text": "How the <>release</> <>train</> ships"}},
		{"prefix", "observ*", "Observability platform", "Observers observe",
			map[string]string{"title": "<>Observability</> platform", "text": "<>Observers</> <>observe</>"}},
		{"excluded words are not marked", "deploy -legacy", "Legacy deploy", "",
			map[string]string{"title": "Legacy <>deploy</>"}},
		{"punctuation kept", "api", "payments-api (v2)", "",
			map[string]string{"title": "payments-<>api</> (v2)"}},
		{"no match", "nothing", "Title", "Text", nil},
		{"no match in a long text", "nothing", "Title", long, nil},
		{"snippet", "release train", "Guide", long,
			map[string]string{"text": "…word filler word filler word filler word the <>release</> <>train</> leaves more filler more filler more filler more filler more filler more filler more filler more filler more filler more filler more…"}},
	}
	for _, tt := range tests {
		got := Highlights(ParseQuery(tt.query), tt.title, tt.text)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	syn := ParseQuery("k8s").WithCorrections(map[string][]string{"k8s": {"kubernetes"}})
	if got := Highlights(syn, "Kubernetes operator", ""); got["title"] != "<>Kubernetes</> operator" {
		t.Errorf("alternatives are marked: %v", got)
	}
}

func FuzzHighlights(f *testing.F) {
	f.Add("release train", "Release train", "How the release train ships")
	f.Add("é*", "Éé é", "…é")
	f.Fuzz(func(t *testing.T, query, title, text string) {
		if strings.Contains(title, PreTag) || strings.Contains(title, PostTag) {
			return
		}
		h := Highlights(ParseQuery(query), title, text)
		if s, ok := h["title"]; ok {
			plain := strings.NewReplacer(PreTag, "", PostTag, "").Replace(s)
			if plain != title {
				t.Fatalf("title %q highlighted as %q", title, s)
			}
		}
		if s, ok := h["text"]; ok && !strings.Contains(s, PreTag) {
			t.Fatalf("text highlight without a mark: %q", s)
		}
	})
}
