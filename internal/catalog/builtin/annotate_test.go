package builtin

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

func TestAnnotateLocation(t *testing.T) {
	const gh = "https://github.com/org/repo/blob/main/svc/catalog-info.yaml"
	tests := []struct {
		name string
		loc  plugin.Location
		ann  map[string]any
		want map[string]any
	}{
		{"github", plugin.Location{Type: "url", Target: gh}, nil, map[string]any{
			entity.AnnotationViewURL:        gh,
			entity.AnnotationEditURL:        "https://github.com/org/repo/edit/main/svc/catalog-info.yaml",
			entity.AnnotationSourceLocation: "url:https://github.com/org/repo/tree/main/svc/",
		}},
		{"pinned to a commit", plugin.Location{Type: "url", Target: "https://github.com/org/repo/blob/0123456789abcdef0123456789abcdef01234567/x.yaml"}, nil, map[string]any{
			entity.AnnotationViewURL:        "https://github.com/org/repo/blob/0123456789abcdef0123456789abcdef01234567/x.yaml",
			entity.AnnotationSourceLocation: "url:https://github.com/org/repo/tree/0123456789abcdef0123456789abcdef01234567/",
		}},
		{"existing annotations win", plugin.Location{Type: "url", Target: gh}, map[string]any{entity.AnnotationSourceLocation: "url:https://elsewhere/"}, map[string]any{
			entity.AnnotationViewURL:        gh,
			entity.AnnotationEditURL:        "https://github.com/org/repo/edit/main/svc/catalog-info.yaml",
			entity.AnnotationSourceLocation: "url:https://elsewhere/",
		}},
		{"file location", plugin.Location{Type: "file", Target: "/srv/x.yaml"}, map[string]any{"a": "b"}, map[string]any{"a": "b"}},
	}
	for _, tt := range tests {
		meta := map[string]any{"name": "x"}
		if tt.ann != nil {
			meta["annotations"] = tt.ann
		}
		in := map[string]any{"kind": "Component", "metadata": meta}
		out, err := (&AnnotateLocationProcessor{}).PreProcessEntity(context.Background(), in, tt.loc, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := out["metadata"].(map[string]any)["annotations"].(map[string]any)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: annotations (-want +got):\n%s", tt.name, diff)
		}
		if inAnn, _ := meta["annotations"].(map[string]any); len(inAnn) != len(tt.ann) {
			t.Errorf("%s: the input was changed: %v", tt.name, inAnn)
		}
	}
}
