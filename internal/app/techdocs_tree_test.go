package app

import (
	"context"
	"errors"
	"testing"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/google/go-cmp/cmp"
)

func TestTreeRel(t *testing.T) {
	tests := []struct {
		tree, file, want string
		ok               bool
	}{
		{"https://github.com/o/r/tree/main/svc/a", "https://github.com/o/r/blob/main/svc/a/docs/index.md", "docs/index.md", true},
		{"https://github.com/o/r/tree/main/svc/a/", "https://github.com/o/r/blob/main/svc/a/mkdocs.yml", "mkdocs.yml", true},
		{"https://github.com/o/r/tree/feature/x/", "https://github.com/o/r/blob/feature/x/docs/a.md", "docs/a.md", true},
		{"https://gitlab.com/g/p/-/tree/main/docs-site", "https://gitlab.com/g/p/-/blob/main/docs-site/docs/x.md", "docs/x.md", true},
		{"https://gitea.example.com/o/r/src/branch/main/", "https://gitea.example.com/o/r/src/branch/main/docs/x.md", "docs/x.md", true},
		{"https://bb.example.com/projects/P/repos/r/browse/svc?at=main", "https://bb.example.com/projects/P/repos/r/browse/svc/mkdocs.yml?at=main", "mkdocs.yml", true},
		{"https://dev.azure.com/o/p/_git/r?path=/svc", "https://dev.azure.com/o/p/_git/r?path=/svc/docs/index.md", "docs/index.md", true},
		{"https://github.com/o/r/tree/main/svc/a", "https://github.com/o/r/blob/main/other/x.md", "", false},
	}
	for _, tt := range tests {
		got, ok := treeRel(tt.tree, tt.file)
		if got != tt.want || ok != tt.ok {
			t.Errorf("treeRel(%s, %s) = %q, %v; want %q, %v", tt.tree, tt.file, got, ok, tt.want, tt.ok)
		}
	}
}

// fakeSearcher answers one search.
type fakeSearcher struct {
	pattern string
	files   []builtin.SearchFile
	err     error
}

func (f *fakeSearcher) Search(_ context.Context, rawURL, etag string) ([]builtin.SearchFile, string, bool, error) {
	f.pattern = rawURL
	if f.err != nil {
		return nil, "", false, f.err
	}
	if etag == "sha1" {
		return nil, etag, true, nil
	}
	return f.files, "sha1", false, nil
}

func TestTreeReader(t *testing.T) {
	s := &fakeSearcher{files: []builtin.SearchFile{
		{URL: "https://github.com/o/r/blob/main/svc/mkdocs.yml", Body: []byte("site_name: x")},
		{URL: "https://github.com/o/r/blob/main/svc/docs/index.md", Body: []byte("# x")},
	}}
	tr := treeReader{s}
	files, etag, notModified, err := tr.ReadTree(context.Background(), "https://github.com/o/r/tree/main/svc/", "")
	if err != nil || notModified || etag != "sha1" {
		t.Fatalf("ReadTree = %v, %q, %v", err, etag, notModified)
	}
	if s.pattern != "https://github.com/o/r/tree/main/svc/**" {
		t.Errorf("searched %s", s.pattern)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if diff := cmp.Diff([]string{"mkdocs.yml", "docs/index.md"}, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if _, _, notModified, err := tr.ReadTree(context.Background(), "https://github.com/o/r/tree/main/svc/", "sha1"); err != nil || !notModified {
		t.Errorf("same commit: %v, %v", notModified, err)
	}
	s.err = builtin.ErrSearchNotSupported
	if _, _, _, err := tr.ReadTree(context.Background(), "https://plain.example.com/docs/", ""); err == nil || errors.Is(err, builtin.ErrSearchNotSupported) {
		t.Errorf("plain host: %v", err)
	}
}
