package techdocs

import (
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

func docsEntity(annotations map[string]string) *entity.Entity {
	return &entity.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata:   entity.Metadata{Name: "harbour-tides", Namespace: "default", Annotations: annotations},
	}
}

func TestResolveLocation(t *testing.T) {
	tests := []struct {
		name        string
		annotations map[string]string
		want        Location
		problem     string // error class; "" for success
		message     string
	}{
		{
			name:        "url",
			annotations: map[string]string{entity.AnnotationTechDocsRef: "url:https://github.com/o/r/tree/main/docs-root"},
			want:        Location{"url", "https://github.com/o/r/tree/main/docs-root"},
		},
		{
			name: "dir against a url source",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:.",
				entity.AnnotationManagedByLocation: "url:https://github.com/o/r/blob/main/catalog-info.yaml",
			},
			want: Location{"url", "https://github.com/o/r/blob/main/"},
		},
		{
			name: "source-location wins over managed-by-location",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:./svc",
				entity.AnnotationSourceLocation:    "url:https://gitlab.com/g/r/-/tree/dev/",
				entity.AnnotationManagedByLocation: "url:https://github.com/o/r/blob/main/catalog-info.yaml",
			},
			want: Location{"url", "https://gitlab.com/g/r/-/tree/dev/svc"},
		},
		{
			name: "repository-rooted path",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:/handbook",
				entity.AnnotationManagedByLocation: "url:https://github.com/o/r/blob/main/services/a/catalog-info.yaml?ref=x",
			},
			want: Location{"url", "https://github.com/o/r/blob/main/handbook?ref=x"},
		},
		{
			name: "dir against a file source",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:./docs-site",
				entity.AnnotationManagedByLocation: "file:/srv/catalog/harbour/catalog-info.yaml",
			},
			want: Location{"dir", "/srv/catalog/harbour/docs-site"},
		},
		{
			name: "dir escaping a file source",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:../../etc",
				entity.AnnotationManagedByLocation: "file:/srv/catalog/harbour/catalog-info.yaml",
			},
			problem: problem.NotAllowedError,
			message: "Relative path is not allowed to refer to a directory outside its parent",
		},
		{
			name:        "missing annotation",
			annotations: map[string]string{},
			problem:     problem.InputError,
			message:     "No backstage.io/techdocs-ref annotation provided in entity: harbour-tides",
		},
		{
			name: "unknown source type",
			annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:.",
				entity.AnnotationManagedByLocation: "github:o/r",
			},
			problem: problem.InputError,
			message: "Unable to resolve location type github",
		},
		{
			name:        "unknown annotation type",
			annotations: map[string]string{entity.AnnotationTechDocsRef: "git:x"},
			problem:     problem.InputError,
			message:     "Invalid reference annotation git",
		},
		{
			name:        "not a location ref",
			annotations: map[string]string{entity.AnnotationTechDocsRef: "docs"},
			problem:     problem.InputError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveLocation(docsEntity(tt.annotations))
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ResolveLocation = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Name != tt.problem || (tt.message != "" && p.Message != tt.message) {
				t.Fatalf("error = %v, want %s %q", err, tt.problem, tt.message)
			}
		})
	}
}

func TestRepoURLs(t *testing.T) {
	tests := []struct {
		loc            Location
		repo, editBase string
	}{
		{Location{"url", "https://github.com/o/r/tree/main/"}, "https://github.com/o/r/tree/main/", "https://github.com/o/r/edit/main/docs"},
		{Location{"url", "https://github.com/o/r/blob/main/svc"}, "https://github.com/o/r/blob/main/svc", "https://github.com/o/r/edit/main/svc/docs"},
		{Location{"url", "https://gitlab.com/g/r/-/tree/main/"}, "https://gitlab.com/g/r/-/tree/main/", "https://gitlab.com/g/r/-/edit/main/docs"},
		{Location{"url", "https://github.com/o/r"}, "https://github.com/o/r", ""},
		{Location{"url", "https://example.com/some/deep/path/x"}, "", ""},
		{Location{"dir", "/srv/x"}, "", ""},
	}
	for _, tt := range tests {
		repo, edit := RepoURLs(tt.loc)
		if repo != tt.repo || edit != tt.editBase {
			t.Errorf("RepoURLs(%v) = %q, %q; want %q, %q", tt.loc, repo, edit, tt.repo, tt.editBase)
		}
	}
}
