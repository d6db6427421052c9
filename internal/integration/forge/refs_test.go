package forge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

func TestSplits(t *testing.T) {
	tests := []struct {
		segs      string
		emptyPath bool
		want      []forge.Split
	}{
		{"main/catalog-info.yaml", false, []forge.Split{{"main", "catalog-info.yaml"}}},
		{"feature/x/dir/a.yaml", false, []forge.Split{{"feature", "x/dir/a.yaml"}, {"feature/x", "dir/a.yaml"}, {"feature/x/dir", "a.yaml"}}},
		{"main", false, nil},
		{"main", true, []forge.Split{{"main", ""}}},
		{"main/dir", true, []forge.Split{{"main", "dir"}, {"main/dir", ""}}},
		{"main/**/x.yaml", false, []forge.Split{{"main", "**/x.yaml"}}},
		{"a/b/c/d/e/f", false, []forge.Split{{"a", "b/c/d/e/f"}, {"a/b", "c/d/e/f"}, {"a/b/c", "d/e/f"}, {"a/b/c/d", "e/f"}}},
		{"/x.yaml", false, nil},
	}
	for _, tt := range tests {
		got := forge.Splits(strings.Split(tt.segs, "/"), tt.emptyPath)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Splits(%q, %v) (-want +got):\n%s", tt.segs, tt.emptyPath, diff)
		}
	}
}

// TrySplits moves on after a NotFoundError, stops at any other error, and
// remembers a ref with a slash so the next read tries it first.
func TestTrySplits(t *testing.T) {
	var memo forge.RefMemo
	splits := forge.Splits(strings.Split("feature/x/a.yaml", "/"), false)
	var tried []string
	try := func(s forge.Split) (string, error) {
		tried = append(tried, s.Ref)
		if s.Ref == "feature/x" {
			return s.Path, nil
		}
		return "", problem.NotFound("no ref %s", s.Ref)
	}
	got, err := forge.TrySplits(&memo, "o/r", splits, try)
	if err != nil || got != "a.yaml" {
		t.Fatalf("TrySplits = %q, %v", got, err)
	}
	if diff := cmp.Diff([]string{"feature", "feature/x"}, tried); diff != "" {
		t.Errorf("first read tried (-want +got):\n%s", diff)
	}
	tried = nil
	if _, err := forge.TrySplits(&memo, "o/r", splits, try); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"feature/x"}, tried); diff != "" {
		t.Errorf("second read tried (-want +got):\n%s", diff)
	}

	_, err = forge.TrySplits(&memo, "o/other", splits, func(s forge.Split) (string, error) {
		return "", problem.NotFound("missing %s", s.Ref)
	})
	if err == nil || err.Error() != "NotFoundError: missing feature" {
		t.Errorf("all missing: %v, want the first split's error", err)
	}
	boom := errors.New("boom")
	calls := 0
	_, err = forge.TrySplits(&memo, "o/third", splits, func(forge.Split) (string, error) { calls++; return "", boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("other error: %v after %d calls, want boom after 1", err, calls)
	}
}

// FindCommit returns the reading whose ref resolved, with its commit.
func TestFindCommit(t *testing.T) {
	var memo forge.RefMemo
	rest := strings.Split("feature/x/dir/a.yaml", "/")
	var tried []string
	commit := func(ref string) (string, error) {
		tried = append(tried, ref)
		if ref == "feature/x" {
			return "abc123", nil
		}
		return "", problem.NotFound("no ref %s", ref)
	}
	split, sha, err := forge.FindCommit(&memo, "o/r", rest, commit)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(forge.Split{Ref: "feature/x", Path: "dir/a.yaml"}, split); diff != "" || sha != "abc123" {
		t.Errorf("FindCommit = %+v, %q (-want +got):\n%s", split, sha, diff)
	}
	tried = nil
	if _, _, err := forge.FindCommit(&memo, "o/r", rest, commit); err != nil || len(tried) != 1 {
		t.Errorf("second search tried %v, %v; want the remembered ref only", tried, err)
	}
	split, sha, err = forge.FindCommit(&memo, "o/other", rest, func(ref string) (string, error) {
		return "", problem.NotFound("missing %s", ref)
	})
	if err == nil || err.Error() != "NotFoundError: missing feature" || split != (forge.Split{}) || sha != "" {
		t.Errorf("all missing: %+v, %q, %v", split, sha, err)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern string
		dir     string
		match   map[string]bool
		could   map[string]bool
	}{
		{"services/*/catalog-info.yaml", "services",
			map[string]bool{"services/a/catalog-info.yaml": true, "services/a/b/catalog-info.yaml": false, "catalog-info.yaml": false},
			map[string]bool{"services": true, "services/a": true, "services/a/b": false, "docs": false}},
		{"**/catalog-info.yaml", "",
			map[string]bool{"catalog-info.yaml": true, "a/b/c/catalog-info.yaml": true, "a/x.yaml": false},
			map[string]bool{"a": true, "a/b/c": true}},
		{"/a/b/*.yaml", "a/b",
			map[string]bool{"a/b/x.yaml": true, "a/b/c/x.yaml": false},
			map[string]bool{"a": true, "a/b": true, "a/b/c": false, "b": false}},
		{"a/**", "a",
			map[string]bool{"a/x": true, "a/b/c": true, "b/x": false},
			map[string]bool{"a/b/c": true, "b": false}},
		{"teams/{a,b}/*.yaml", "teams",
			map[string]bool{"teams/a/x.yaml": true, "teams/c/x.yaml": false},
			map[string]bool{"teams/a": true, "teams/c": false}},
	}
	for _, tt := range tests {
		g, err := forge.ParseGlob(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if g.Dir != tt.dir {
			t.Errorf("%s: Dir = %q, want %q", tt.pattern, g.Dir, tt.dir)
		}
		for p, want := range tt.match {
			if g.Match(p) != want {
				t.Errorf("%s: Match(%q) = %v", tt.pattern, p, !want)
			}
		}
		for d, want := range tt.could {
			if g.CouldContain(d) != want {
				t.Errorf("%s: CouldContain(%q) = %v", tt.pattern, d, !want)
			}
		}
	}
	if _, err := forge.ParseGlob("a/[x"); !problem.Is(err, problem.InputError) {
		t.Errorf("invalid pattern: %v", err)
	}
}

func TestReadMatches(t *testing.T) {
	read := func(_ context.Context, p string) (builtin.SearchFile, error) {
		if p == "bad" {
			return builtin.SearchFile{}, fmt.Errorf("cannot read %s", p)
		}
		return builtin.SearchFile{URL: "u/" + p, Body: []byte(p)}, nil
	}
	var paths []string
	for i := range 23 {
		paths = append(paths, fmt.Sprintf("f%02d", 22-i))
	}
	got, err := forge.ReadMatches(context.Background(), paths, read)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 23 || got[0].URL != "u/f00" || got[22].URL != "u/f22" || string(got[5].Body) != "f05" {
		t.Errorf("files out of order: %v", got)
	}
	if _, err := forge.ReadMatches(context.Background(), append(paths, "bad"), read); err == nil || err.Error() != "cannot read bad" {
		t.Errorf("a failed read: %v", err)
	}
	if got, err := forge.ReadMatches(context.Background(), nil, read); err != nil || len(got) != 0 {
		t.Errorf("no paths: %v, %v", got, err)
	}
}
