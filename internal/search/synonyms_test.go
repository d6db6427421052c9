package search

import (
	"strings"
	"testing"
)

func TestSynonyms(t *testing.T) {
	s, err := NewSynonyms([][]string{{"k8s", "Kubernetes"}, {"ci", "continuous integration", "CI"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"k8s":                              "(k8s|kubernetes)",
		"Kubernetes operator":              "(kubernetes|k8s) operator",
		`"continuous integration" -legacy`: `("continuous integration"|ci) -legacy`,
		"k8s*":                             "k8s*",
		"ci":                               `(ci|"continuous integration")`,
		"kube":                             "kube",
	}
	for in, want := range tests {
		if got := s.Expand(ParseQuery(in)).String(); got != want {
			t.Errorf("Expand(%q) = %s, want %s", in, got, want)
		}
	}
	var none *Synonyms
	if got := none.Expand(ParseQuery("k8s")).String(); got != "k8s" {
		t.Errorf("nil synonyms expanded: %s", got)
	}
}

func TestSynonymsErrors(t *testing.T) {
	tests := []struct {
		groups [][]string
		want   string
	}{
		{[][]string{{"alone"}}, "search.synonyms[0]: a group needs at least two members"},
		{[][]string{{"a", "!!"}}, `search.synonyms[0][1]: "!!" has no letters or digits`},
		{[][]string{{"a", "b"}, {"c", "A"}}, `search.synonyms[1][1]: "A" is already in group 0`},
	}
	for _, tt := range tests {
		_, err := NewSynonyms(tt.groups)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewSynonyms(%v) = %v, want %q", tt.groups, err, tt.want)
		}
	}
}
