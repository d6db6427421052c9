package actions

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// fakeCatalog is a small in-memory catalog behind the catalog interfaces.
type fakeCatalog struct {
	// files maps a URL to the entity refs it holds.
	files     map[string][]entity.Ref
	locations map[string]bool
	entities  map[string]map[string]any
	calls     []string
}

var (
	_ LocationRegistrar = (*fakeCatalog)(nil)
	_ EntityGetter      = (*fakeCatalog)(nil)
)

func (c *fakeCatalog) RegisterLocation(_ context.Context, target string, dryRun bool) ([]entity.Ref, error) {
	c.calls = append(c.calls, "register "+target+map[bool]string{true: " dry-run", false: ""}[dryRun])
	refs, ok := c.files[target]
	if !ok {
		return nil, problem.NotFound("Unable to read url, NotFoundError: %s could not be read", target)
	}
	if !dryRun {
		if c.locations[target] {
			return nil, problem.Conflict("Location url:%s already exists", target)
		}
		c.locations[target] = true
	}
	return refs, nil
}

func (c *fakeCatalog) Entity(_ context.Context, ref entity.Ref) (map[string]any, error) {
	c.calls = append(c.calls, "get "+ref.String())
	return c.entities[ref.String()], nil
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{
		files: map[string][]entity.Ref{
			"https://github.com/acme/svc/blob/main/catalog-info.yaml": {
				{Kind: "API", Namespace: "default", Name: "svc-api"},
				{Kind: "Component", Namespace: "Prod", Name: "Svc"},
			},
			"https://github.com/acme/svc/blob/main/sub/other.yaml": {
				{Kind: "Location", Namespace: "default", Name: "generated-abc"},
				{Kind: "System", Namespace: "default", Name: "ledger"},
			},
		},
		locations: map[string]bool{"https://github.com/acme/svc/blob/main/sub/other.yaml": true},
		entities: map[string]map[string]any{
			"group:default/team-a": {"kind": "Group", "metadata": map[string]any{"name": "team-a"}},
			"user:default/ada":     {"kind": "User", "metadata": map[string]any{"name": "ada"}},
		},
	}
}

func TestCatalogRegister(t *testing.T) {
	tests := []struct {
		name      string
		input     map[string]any
		want      map[string]any
		wantCalls []string
		wantErr   string
	}{
		{
			name:  "catalogInfoUrl",
			input: map[string]any{"catalogInfoUrl": "https://github.com/acme/svc/blob/main/catalog-info.yaml"},
			want: map[string]any{
				"entityRef":      "component:prod/Svc",
				"catalogInfoUrl": "https://github.com/acme/svc/blob/main/catalog-info.yaml",
			},
			wantCalls: []string{
				"register https://github.com/acme/svc/blob/main/catalog-info.yaml",
				"register https://github.com/acme/svc/blob/main/catalog-info.yaml dry-run",
			},
		},
		{
			name:  "repoContentsUrl with the default path",
			input: map[string]any{"repoContentsUrl": "https://github.com/acme/svc/blob/main"},
			want: map[string]any{
				"entityRef":      "component:prod/Svc",
				"catalogInfoUrl": "https://github.com/acme/svc/blob/main/catalog-info.yaml",
			},
			wantCalls: []string{
				"register https://github.com/acme/svc/blob/main/catalog-info.yaml",
				"register https://github.com/acme/svc/blob/main/catalog-info.yaml dry-run",
			},
		},
		{
			name:    "existing location fails",
			input:   map[string]any{"repoContentsUrl": "https://github.com/acme/svc/blob/main/", "catalogInfoPath": "sub/other.yaml"},
			wantErr: "ConflictError: Location url:https://github.com/acme/svc/blob/main/sub/other.yaml already exists",
			wantCalls: []string{
				"register https://github.com/acme/svc/blob/main/sub/other.yaml",
			},
		},
		{
			name:  "existing location is fine when optional; generated names are passed over",
			input: map[string]any{"repoContentsUrl": "https://github.com/acme/svc/blob/main/", "catalogInfoPath": "sub/other.yaml", "optional": true},
			want: map[string]any{
				"entityRef":      "system:default/ledger",
				"catalogInfoUrl": "https://github.com/acme/svc/blob/main/sub/other.yaml",
			},
			wantCalls: []string{
				"register https://github.com/acme/svc/blob/main/sub/other.yaml",
				"register https://github.com/acme/svc/blob/main/sub/other.yaml dry-run",
			},
		},
		{
			name:    "unreadable",
			input:   map[string]any{"catalogInfoUrl": "https://github.com/acme/none/blob/main/catalog-info.yaml"},
			wantErr: "NotFoundError: Unable to read url, NotFoundError: https://github.com/acme/none/blob/main/catalog-info.yaml could not be read",
			wantCalls: []string{
				"register https://github.com/acme/none/blob/main/catalog-info.yaml",
			},
		},
		{
			name:  "unreadable but optional",
			input: map[string]any{"catalogInfoUrl": "https://github.com/acme/none/blob/main/catalog-info.yaml", "optional": true},
			want:  map[string]any{"catalogInfoUrl": "https://github.com/acme/none/blob/main/catalog-info.yaml"},
			wantCalls: []string{
				"register https://github.com/acme/none/blob/main/catalog-info.yaml",
				"register https://github.com/acme/none/blob/main/catalog-info.yaml dry-run",
			},
		},
		{
			name:    "neither url",
			input:   map[string]any{"optional": true},
			wantErr: "InputError: catalog:register needs input catalogInfoUrl, or repoContentsUrl and catalogInfoPath",
		},
		{
			name:    "relative repoContentsUrl",
			input:   map[string]any{"repoContentsUrl": "acme/svc"},
			wantErr: `InputError: input repoContentsUrl "acme/svc" is not an absolute URL`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeCatalog()
			r := newRun(t, tt.input)
			err := catalogRegister(c).Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				tt.want = map[string]any{}
			}
			if diff := cmp.Diff(tt.want, r.outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCalls, c.calls); diff != "" {
				t.Errorf("catalog calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChooseEntityRef(t *testing.T) {
	ref := func(kind, name string) entity.Ref { return entity.Ref{Kind: kind, Namespace: "default", Name: name} }
	tests := []struct {
		name string
		refs []entity.Ref
		want string
	}{
		{"none", nil, ""},
		{"component first", []entity.Ref{ref("API", "a"), ref("Component", "c"), ref("Component", "d")}, "component:default/c"},
		{"generated component skipped", []entity.Ref{ref("Component", "generated-x"), ref("System", "s")}, "system:default/s"},
		{"all generated", []entity.Ref{ref("Location", "generated-1"), ref("Component", "generated-2")}, "location:default/generated-1"},
		{"name case kept", []entity.Ref{{Kind: "Component", Namespace: "Team-A", Name: "MyService"}}, "component:team-a/MyService"},
	}
	for _, tt := range tests {
		got, _ := chooseEntityRef(tt.refs)
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestResolveCatalogInfoURL(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"https://github.com/o/r/blob/main", "", "https://github.com/o/r/blob/main/catalog-info.yaml"},
		{"https://github.com/o/r/blob/main/", "/catalog-info.yaml", "https://github.com/o/r/blob/main/catalog-info.yaml"},
		{"https://gitlab.com/g/p/-/blob/main", "./svc/catalog.yaml", "https://gitlab.com/g/p/-/blob/main/svc/catalog.yaml"},
		{"https://dev.azure.com/o/p/_git/r?path=%2F&version=GBmain", "/catalog-info.yaml", "https://dev.azure.com/o/p/_git/r?path=%2Fcatalog-info.yaml&version=GBmain"},
		{"https://gitea.example/o/r/src/branch/feature%2Fx", "", "https://gitea.example/o/r/src/branch/feature%2Fx/catalog-info.yaml"},
	}
	for _, tt := range tests {
		got, err := resolveCatalogInfoURL(tt.base, tt.path)
		if err != nil || got != tt.want {
			t.Errorf("resolveCatalogInfoURL(%q, %q) = %q, %v; want %q", tt.base, tt.path, got, err, tt.want)
		}
	}
}

func TestCatalogFetch(t *testing.T) {
	tests := []struct {
		name    string
		input   map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name:  "one entity with a default kind",
			input: map[string]any{"entityRef": "team-a", "defaultKind": "group"},
			want:  map[string]any{"entity": map[string]any{"kind": "Group", "metadata": map[string]any{"name": "team-a"}}},
		},
		{
			name:    "missing",
			input:   map[string]any{"entityRef": "group:default/nobody"},
			wantErr: "NotFoundError: Entity group:default/nobody not found",
		},
		{
			name:  "missing but optional",
			input: map[string]any{"entityRef": "group:default/nobody", "optional": true},
			want:  map[string]any{"entity": nil},
		},
		{
			name:  "several, in order, optional",
			input: map[string]any{"entityRefs": []any{"user:ada", "nobody", "group:team-a"}, "defaultKind": "user", "optional": true},
			want: map[string]any{"entities": []any{
				map[string]any{"kind": "User", "metadata": map[string]any{"name": "ada"}},
				nil,
				map[string]any{"kind": "Group", "metadata": map[string]any{"name": "team-a"}},
			}},
		},
		{
			name:    "several with one missing",
			input:   map[string]any{"entityRefs": []any{"user:ada", "user:bob"}},
			wantErr: "NotFoundError: Entity user:bob not found",
		},
		{
			name:    "no kind",
			input:   map[string]any{"entityRef": "ada"},
			wantErr: `InputError: input entityRef: Entity reference "ada" had missing or empty kind (e.g. did not start with "component:" or similar)`,
		},
		{
			name:    "no refs",
			input:   map[string]any{},
			wantErr: "InputError: Missing entity reference or references",
		},
		{
			name:  "no refs, optional",
			input: map[string]any{"optional": true},
			want:  map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(t, tt.input)
			err := catalogFetch(newFakeCatalog()).Run(context.Background(), r.ac)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, r.outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCatalogWrite(t *testing.T) {
	ent := map[string]any{
		"spec":       map[string]any{"type": "service", "owner": "team-a", "lifecycle": "production"},
		"kind":       "Component",
		"apiVersion": "backstage.io/v1alpha1",
		"metadata": map[string]any{
			"tags":        []any{"go", "web"},
			"annotations": map[string]any{"github.com/project-slug": "acme/svc"},
			"name":        "svc",
			"description": "A service",
		},
	}
	want := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  description: A service
  annotations:
    backstage.io/source-template: template:default/sample
    github.com/project-slug: acme/svc
  tags:
    - go
    - web
spec:
  lifecycle: production
  owner: team-a
  type: service
`
	r := newRun(t, map[string]any{"entity": ent, "filePath": "deploy/catalog-info.yaml"})
	if err := catalogWrite().Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(r.ac.Workspace, "deploy", "catalog-info.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("catalog-info.yaml (-want +got):\n%s", diff)
	}
	if _, has := ent["metadata"].(map[string]any)["annotations"].(map[string]any)[sourceTemplateAnnotation]; has {
		t.Error("the input entity was modified")
	}

	r = newRun(t, map[string]any{"entity": map[string]any{"kind": "Component"}})
	if err := catalogWrite().Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	got, err = os.ReadFile(filepath.Join(r.ac.Workspace, "catalog-info.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("kind: Component\nmetadata:\n  annotations:\n    backstage.io/source-template: template:default/sample\n", string(got)); diff != "" {
		t.Errorf("default path (-want +got):\n%s", diff)
	}

	r = newRun(t, map[string]any{"entity": ent, "filePath": "../catalog-info.yaml"})
	err = catalogWrite().Run(context.Background(), r.ac)
	if diff := cmp.Diff(`InputError: Relative path is not allowed to refer to a directory outside its parent (input "filePath" is "../catalog-info.yaml")`, errText(err)); diff != "" {
		t.Error(diff)
	}
}
