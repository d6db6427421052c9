package scmurl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGit(t *testing.T) {
	tests := []struct {
		in   string
		want GitURL
		ok   bool
	}{
		{"https://github.com/org/repo/blob/main/dir/catalog-info.yaml",
			GitURL{Host: "github.com", Owner: "org", Name: "repo", Ref: "main", Filepath: "dir/catalog-info.yaml", Root: "/org/repo/blob/main"}, true},
		{"https://GitHub.com/org/repo/tree/v1/",
			GitURL{Host: "github.com", Owner: "org", Name: "repo", Ref: "v1", Filepath: "", Root: "/org/repo/tree/v1"}, true},
		{"https://gitlab.com/group/sub/repo/-/blob/main/a%20b.yaml",
			GitURL{Host: "gitlab.com", Owner: "group/sub", Name: "repo", Ref: "main", Filepath: "a b.yaml", Root: "/group/sub/repo/-/blob/main"}, true},
		{"https://bitbucket.org/team/repo/src/main/catalog.yaml",
			GitURL{Host: "bitbucket.org", Owner: "team", Name: "repo", Ref: "main", Filepath: "catalog.yaml", Root: "/team/repo/src/main"}, true},
		{"https://raw.githubusercontent.com/org/repo/main/x.yaml",
			GitURL{Host: "raw.githubusercontent.com", Owner: "org", Name: "repo", Ref: "main", Filepath: "x.yaml", Root: "/org/repo/main"}, true},
		{"https://ghe.example.com:8443/org/repo/blob/main/x.yaml",
			GitURL{Host: "ghe.example.com:8443", Owner: "org", Name: "repo", Ref: "main", Filepath: "x.yaml", Root: "/org/repo/blob/main"}, true},
		// Gitea names the kind of ref; on bitbucket.org that is a branch name.
		{"https://gitea.example.com/org/repo/src/branch/main/dir/x.yaml",
			GitURL{Host: "gitea.example.com", Owner: "org", Name: "repo", Ref: "main", Filepath: "dir/x.yaml", Root: "/org/repo/src/branch/main"}, true},
		{"https://gitea.example.com/org/repo/raw/tag/v1/x.yaml",
			GitURL{Host: "gitea.example.com", Owner: "org", Name: "repo", Ref: "v1", Filepath: "x.yaml", Root: "/org/repo/raw/tag/v1"}, true},
		{"https://bitbucket.org/team/repo/src/branch/x.yaml",
			GitURL{Host: "bitbucket.org", Owner: "team", Name: "repo", Ref: "branch", Filepath: "x.yaml", Root: "/team/repo/src/branch"}, true},
		// Bitbucket Server keeps the ref in "at".
		{"https://bb.example.com/projects/PRJ/repos/repo/browse/dir/x.yaml?at=refs%2Fheads%2Fmain",
			GitURL{Host: "bb.example.com", Owner: "PRJ", Name: "repo", Ref: "main", Filepath: "dir/x.yaml", Root: "/projects/PRJ/repos/repo/browse"}, true},
		{"https://bb.example.com/bitbucket/users/jo/repos/repo/raw/x.yaml",
			GitURL{Host: "bb.example.com", Owner: "~jo", Name: "repo", Filepath: "x.yaml", Root: "/bitbucket/users/jo/repos/repo/raw"}, true},
		// Azure DevOps keeps the file in "path" and the ref in "version".
		{"https://dev.azure.com/org/project/_git/repo?path=/dir/x.yaml&version=GBmain",
			GitURL{Host: "dev.azure.com", Organization: "org", Owner: "project", Name: "repo", Ref: "main", Filepath: "dir/x.yaml", Root: "/org/project/_git/repo"}, true},
		{"https://dev.azure.com/org/_git/repo",
			GitURL{Host: "dev.azure.com", Organization: "org", Owner: "repo", Name: "repo", Root: "/org/_git/repo"}, true},
		{"https://tfs.example.com/tfs/Coll/project/_git/repo?path=/x.yaml&version=GTv1",
			GitURL{Host: "tfs.example.com", Organization: "tfs/Coll", Owner: "project", Name: "repo", Ref: "v1", Filepath: "x.yaml", Root: "/tfs/Coll/project/_git/repo"}, true},
		{"https://example.com/catalog/x.yaml", GitURL{}, false},
		{"https://github.com/org/repo", GitURL{}, false},
		{"https://github.com//repo/blob/main/x", GitURL{}, false},
		{"not a url", GitURL{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseGit(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseGit(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseGit(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct{ target, base, want string }{
		{"./b.yaml", "https://example.com/x/a.yaml", "https://example.com/x/b.yaml"},
		{"../b.yaml", "https://example.com/x/y/a.yaml", "https://example.com/x/b.yaml"},
		{"b.yaml", "https://example.com/x/a.yaml?token=1", "https://example.com/x/b.yaml?token=1"},
		{"/b.yaml", "https://example.com/x/a.yaml", "https://example.com/b.yaml"},
		{"https://other.example.com/z.yaml", "https://example.com/x/a.yaml", "https://other.example.com/z.yaml"},
		{"./", "https://example.com/x/a.yaml", "https://example.com/x/"},
		// GitHub answers with tree URLs, which it redirects for files.
		{"./apis/x.yaml", "https://github.com/org/repo/blob/main/all.yaml", "https://github.com/org/repo/tree/main/apis/x.yaml"},
		{"./", "https://github.com/org/repo/blob/main/dir/all.yaml", "https://github.com/org/repo/tree/main/dir/"},
		// A leading slash is the repository root on a git host.
		{"/docs/x.md", "https://github.com/org/repo/blob/main/dir/all.yaml", "https://github.com/org/repo/tree/main/docs/x.md"},
		{"/docs/x.md", "https://gitlab.com/g/repo/-/blob/main/dir/all.yaml", "https://gitlab.com/g/repo/-/blob/main/docs/x.md"},
		{"/docs/x.md", "https://gitea.example.com/o/r/src/branch/main/dir/all.yaml", "https://gitea.example.com/o/r/src/branch/main/docs/x.md"},
		{"../b.yaml", "https://gitea.example.com/o/r/src/branch/main/dir/all.yaml", "https://gitea.example.com/o/r/src/branch/main/b.yaml"},
		// Bitbucket Server: the ref in "at" is kept.
		{"./b.yaml", "https://bb.example.com/projects/P/repos/r/browse/dir/all.yaml?at=main", "https://bb.example.com/projects/P/repos/r/browse/dir/b.yaml?at=main"},
		{"/b.yaml", "https://bb.example.com/projects/P/repos/r/browse/dir/all.yaml?at=main", "https://bb.example.com/projects/P/repos/r/browse/b.yaml?at=main"},
		// Azure DevOps: the "path" parameter is resolved.
		{"./b.yaml", "https://dev.azure.com/o/p/_git/r?path=/dir/all.yaml&version=GBmain", "https://dev.azure.com/o/p/_git/r?path=%2Fdir%2Fb.yaml&version=GBmain"},
		{"../b.yaml", "https://dev.azure.com/o/p/_git/r?path=/dir/all.yaml", "https://dev.azure.com/o/p/_git/r?path=%2Fb.yaml"},
		{"/x/b.yaml", "https://dev.azure.com/o/p/_git/r?path=/dir/all.yaml", "https://dev.azure.com/o/p/_git/r?path=%2Fx%2Fb.yaml"},
		{"./services/*/catalog-info.yaml", "https://dev.azure.com/o/p/_git/r?path=/all.yaml", "https://dev.azure.com/o/p/_git/r?path=%2Fservices%2F%2A%2Fcatalog-info.yaml"},
		{"b.yaml", "https://dev.azure.com/o/p/_git/r", "https://dev.azure.com/o/p/_git/r?path=%2Fb.yaml"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.target, tt.base)
		if err != nil {
			t.Errorf("Resolve(%q, %q): %v", tt.target, tt.base, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tt.target, tt.base, got, tt.want)
		}
	}
	for _, base := range []string{"relative/a.yaml", "/abs/a.yaml", "%zz"} {
		if got, err := Resolve("./b.yaml", base); err == nil {
			t.Errorf("Resolve(./b.yaml, %q) = %q, want an error", base, got)
		}
	}
}

func TestEditURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/org/repo/blob/main/catalog-info.yaml", "https://github.com/org/repo/edit/main/catalog-info.yaml"},
		{"https://github.com/org/repo/tree/main/catalog-info.yaml", "https://github.com/org/repo/edit/main/catalog-info.yaml"},
		{"https://gitlab.com/g/s/repo/-/blob/main/catalog-info.yaml", "https://gitlab.com/g/s/repo/-/edit/main/catalog-info.yaml"},
		{"https://github.com/org/repo/blob/0123456789abcdef0123456789abcdef01234567/x.yaml", ""},
		{"https://example.com/org/repo/blob/main/x.yaml", ""},
		{"https://github.com/org/repo", ""},
	}
	for _, tt := range tests {
		if got := EditURL(tt.in); got != tt.want {
			t.Errorf("EditURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSameRepository(t *testing.T) {
	a, _ := ParseGit("https://github.com/org/repo/blob/main/a.yaml")
	b, _ := ParseGit("https://github.com/ORG/repo/tree/dev/b/c.yaml")
	c, _ := ParseGit("https://github.com/org/other/blob/main/a.yaml")
	d, _ := ParseGit("https://gitlab.com/org/repo/-/blob/main/a.yaml")
	if !SameRepository(a, b) {
		t.Error("same repository on two branches: want true")
	}
	if SameRepository(a, c) || SameRepository(a, d) {
		t.Error("different repository or host: want false")
	}
	az1, _ := ParseGit("https://dev.azure.com/org/project/_git/repo?path=/a.yaml")
	az2, _ := ParseGit("https://dev.azure.com/ORG/project/_git/repo?path=/b/c.yaml&version=GBdev")
	az3, _ := ParseGit("https://dev.azure.com/other/project/_git/repo?path=/a.yaml")
	if !SameRepository(az1, az2) || SameRepository(az1, az3) {
		t.Error("Azure DevOps: the organization is part of the repository")
	}
	bb1, _ := ParseGit("https://bb.example.com/projects/P/repos/r/browse/a.yaml")
	bb2, _ := ParseGit("https://bb.example.com/projects/P/repos/r/browse/x/b.yaml?at=dev")
	bb3, _ := ParseGit("https://bb.example.com/projects/Q/repos/r/browse/a.yaml")
	if !SameRepository(bb1, bb2) || SameRepository(bb1, bb3) {
		t.Error("Bitbucket Server: same project and repository")
	}
}
