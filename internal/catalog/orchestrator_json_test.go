package catalog

import "testing"

// TestUnprocessedFromMapFallsBack checks that a child holding a value the
// fast encoder declines (an int from Go code) is encoded by Marshal.
func TestUnprocessedFromMapFallsBack(t *testing.T) {
	data := map[string]any{"kind": "Component", "metadata": map[string]any{"name": "a", "n": 7}}
	child, err := unprocessedFromMap(data, "file:/a.yaml")
	if err != nil || child.JSON != `{"kind":"Component","metadata":{"n":7,"name":"a"}}` {
		t.Errorf("unprocessedFromMap with an int = %q, %v", child.JSON, err)
	}
}

func BenchmarkEncodeChild(b *testing.B) {
	data := map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata": map[string]any{
			"name": "payments-service", "namespace": "default", "title": "Payments Service",
			"description": "Takes payments for tickets & refunds <cancelled> trips.",
			"tags":        []any{"java", "payments", "grpc"},
			"links":       []any{map[string]any{"url": "https://dashboards.example.com/payments", "title": "Dashboard"}},
			"annotations": map[string]any{"backstage.io/managed-by-location": "file:/srv/catalog/payments.yaml"},
		},
		"spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "team-payments", "weight": 2.5},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := unprocessedFromMap(data, "file:/srv/catalog/payments.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
