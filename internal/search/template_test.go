package search

import "testing"

func TestApplyTemplate(t *testing.T) {
	got := applyTemplate("/a/:namespace/:kind/:name/:path:unknown", map[string]string{"namespace": "ns", "kind": "k", "name": "n", "path": "p/"})
	if got != "/a/ns/k/n/p/:unknown" {
		t.Errorf("applyTemplate = %q", got)
	}
}
