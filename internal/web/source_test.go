package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want source
	}{
		{"file:/srv/catalog/all.yaml", source{Type: "file", Target: "/srv/catalog/all.yaml"}},
		{"url:https://git.example.com/a/catalog-info.yaml", source{Type: "url", Target: "https://git.example.com/a/catalog-info.yaml", Href: "https://git.example.com/a/catalog-info.yaml"}},
		{"url:javascript:alert(1)", source{Type: "url", Target: "javascript:alert(1)"}},
		{"provider-name", source{Target: "provider-name"}},
		{"", source{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, parseSource(tt.in)); diff != "" {
			t.Errorf("parseSource(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestViewError(t *testing.T) {
	own := source{Type: "file", Target: "/srv/catalog/components.yaml"}
	tests := []struct {
		name string
		in   entity.SerializedError
		want errorView
	}{
		{
			name: "yaml error names its file and position",
			in:   entity.SerializedError{Name: "Error", Message: "YAML error at file:/srv/catalog/broken.yaml, mapping values are not allowed in this context at line 3, column 9"},
			want: errorView{Name: "Error", Message: "YAML error at file:/srv/catalog/broken.yaml, mapping values are not allowed in this context at line 3, column 9",
				At: source{Type: "file", Target: "/srv/catalog/broken.yaml", Line: 3, Column: 9}, ShowAt: true},
		},
		{
			name: "position in a cause",
			in: entity.SerializedError{Name: "InputError", Message: "Placeholder $yaml failed",
				Cause: &entity.SerializedError{Name: "Error", Message: "bad value at line 2, column 1", Cause: &entity.SerializedError{Name: "Error", Message: "root"}}},
			want: errorView{Name: "InputError", Message: "Placeholder $yaml failed",
				At: source{Type: "file", Target: "/srv/catalog/components.yaml", Line: 2, Column: 1}, ShowAt: true,
				Causes: []entity.SerializedError{{Name: "Error", Message: "bad value at line 2, column 1"}, {Name: "Error", Message: "root"}}},
		},
		{
			name: "nothing beyond the entity's own file",
			in:   entity.SerializedError{Name: "InputError", Message: "Policy check failed"},
			want: errorView{Name: "InputError", Message: "Policy check failed", At: own},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, viewError(tt.in, own)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
