package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// Reader reads templates and files that are not on the server's disk,
// such as a skeleton next to a template in a GitHub repository. The app
// satisfies it with a reader over internal/integration, which
// refuses hosts outside its allow-list with an error naming the host.
type Reader interface {
	// Read returns the content of the file at url.
	Read(ctx context.Context, url string) ([]byte, error)
	// ReadTree returns every file under the directory at url.
	ReadTree(ctx context.Context, url string) ([]File, error)
}

// File is one file of a tree a Reader read.
type File struct {
	// Path is the file's path relative to the tree's root, slash-separated.
	Path string
	Data []byte
	// Mode holds the permission bits; 0 means 0644.
	Mode fs.FileMode
}

// source is where a fetch action reads from: a path in the template's
// directory on disk, or a remote URL.
type source struct {
	// dir is the template's directory and rel the source's path in it
	// (slash form), for templates on disk.
	dir, rel string
	// url is the absolute URL of a remote source.
	url string
	// field names the input (url, sourcePath) and input is its value as
	// written, for messages; where names dir in them.
	field, input, where string
}

func (s source) String() string {
	if s.url != "" {
		return s.url
	}
	return s.input
}

// workspaceSource is a source path inside the workspace, for the
// workspace:template actions.
func workspaceSource(ac *plugin.ActionContext, sourcePath string) (source, error) {
	rel, err := childPath(ac.Workspace, sourcePath, `input "sourcePath"`)
	if err != nil {
		return source{}, err
	}
	return source{dir: ac.Workspace, rel: rel, field: "sourcePath", input: sourcePath, where: "the workspace"}, nil
}

// resolveSource resolves a fetch action's url input as Backstage does: an
// absolute URL stands for itself; a relative one is resolved against the
// template's base URL. With a file:// base the source is on disk and must
// stay inside the template's directory.
func resolveSource(ac *plugin.ActionContext, raw string) (source, error) {
	if raw == "" {
		return source{}, problem.Input(`input "url" must not be empty`)
	}
	if u, err := url.Parse(raw); err == nil && u.IsAbs() {
		if u.Scheme != "http" && u.Scheme != "https" {
			return source{}, problem.Input(`input "url" %q must be a path relative to the template or an http(s) URL`, raw)
		}
		return source{url: raw, field: "url", input: raw}, nil
	}
	base := ac.Template.BaseURL
	if base == "" {
		return source{}, problem.Input("Failed to fetch, template location could not be determined and the fetch URL is relative, %s", raw)
	}
	bu, err := url.Parse(base)
	if err != nil || !bu.IsAbs() {
		return source{}, problem.Input("the template's base URL %q is not an absolute URL", base)
	}
	if bu.Scheme == "file" {
		dir := filepath.FromSlash(bu.Path)
		if !filepath.IsAbs(dir) {
			return source{}, problem.Input("the template's base URL %q is not an absolute file URL", base)
		}
		rel, err := childPath(dir, filepath.FromSlash(raw), `input "url"`)
		if err != nil {
			return source{}, err
		}
		return source{dir: dir, rel: rel, field: "url", input: raw, where: "the template's directory"}, nil
	}
	if strings.HasPrefix(raw, "/") {
		return source{}, problem.Input(`input "url" %q must be relative to the template's directory (./path) or an absolute URL`, raw)
	}
	return source{url: resolveRemote(bu, raw), field: "url", input: raw}, nil
}

// resolveRemote resolves a relative path against the URL of the template's
// directory. Azure DevOps URLs carry the path in their "path" query
// parameter; other forges in the URL's path.
func resolveRemote(base *url.URL, rel string) string {
	u := *base
	q := u.Query()
	if q.Has("path") {
		q.Set("path", path.Join("/", q.Get("path"), rel))
		u.RawQuery = q.Encode()
		return u.String()
	}
	return joinURLPath(&u, rel)
}

// joinURLPath joins a slash path to u's path, as a relative reference to
// a directory: "." is dropped and ".." climbs. u's escaping, such as %2F
// inside a branch name, is kept.
func joinURLPath(u *url.URL, p string) string {
	joined := strings.TrimSuffix(u.EscapedPath(), "/")
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			joined = joined[:max(strings.LastIndex(joined, "/"), 0)]
		default:
			joined += "/" + url.PathEscape(s)
		}
	}
	v := *u
	unescaped, err := url.PathUnescape(joined)
	if err != nil {
		unescaped = joined
	}
	v.Path, v.RawPath = unescaped, joined
	return v.String()
}

// node is one entry of a source tree.
type node struct {
	// path is relative to the tree's root, slash-separated.
	path string
	dir  bool
	// link is a symbolic link's target ("" for other entries).
	link string
	mode fs.FileMode
	// data is a remote file's content; local files are read with read.
	data []byte
	read func() ([]byte, error)
}

// content returns a file's bytes.
func (n *node) content() ([]byte, error) {
	if n.read != nil {
		return n.read()
	}
	return n.data, nil
}

// tree is a source directory's entries, every directory before its
// contents.
type tree struct {
	nodes []node
	// root is the opened source directory for local trees; nil otherwise.
	root *os.Root
}

func (t *tree) Close() error {
	if t.root != nil {
		return t.root.Close()
	}
	return nil
}

// loadTree lists a source directory. Local files are read when needed;
// symbolic links are listed as links and never followed.
func loadTree(ctx context.Context, r Reader, src source) (*tree, error) {
	if src.url != "" {
		if r == nil {
			return nil, problem.Input("cannot read %s: no reader for remote templates is configured", src.url)
		}
		files, err := r.ReadTree(ctx, src.url)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			// Git holds no empty directories, so nothing found means a
			// wrong URL rather than an empty skeleton.
			return nil, problem.NotFound("No files found under %s (input %q %q)", src.url, src.field, src.input)
		}
		return remoteTree(src, files)
	}
	root, err := openSourceDir(src)
	if err != nil {
		return nil, err
	}
	t := &tree{root: root}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		n := node{path: p, dir: d.IsDir()}
		if d.Type()&fs.ModeSymlink != 0 {
			if n.link, err = root.Readlink(p); err != nil {
				return err
			}
		} else if !n.dir {
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s is not a regular file, directory or symbolic link", p)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			n.mode = info.Mode().Perm()
			n.read = func() ([]byte, error) { return root.ReadFile(p) }
		}
		t.nodes = append(t.nodes, n)
		return nil
	})
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("reading %s: %w", src.input, err)
	}
	return t, nil
}

// openSourceDir opens a local source directory through the template's
// directory, so that a symbolic link cannot lead out of it.
func openSourceDir(src source) (*os.Root, error) {
	tmpl, err := os.OpenRoot(src.dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", src.where, err)
	}
	defer tmpl.Close()
	root, err := tmpl.OpenRoot(src.rel)
	if err != nil {
		return nil, localSourceError(src, err)
	}
	// OpenRoot opens a file as readily as a directory.
	if info, err := root.Stat("."); err != nil || !info.IsDir() {
		root.Close()
		return nil, problem.Input(`input %q %q is a file, not a directory`, src.field, src.input)
	}
	return root, nil
}

// readSource reads a single source file and its permission bits.
func readSource(ctx context.Context, r Reader, src source) ([]byte, fs.FileMode, error) {
	if src.url != "" {
		if r == nil {
			return nil, 0, problem.Input("cannot read %s: no reader for remote templates is configured", src.url)
		}
		data, err := r.Read(ctx, src.url)
		return data, 0o644, err
	}
	tmpl, err := os.OpenRoot(src.dir)
	if err != nil {
		return nil, 0, fmt.Errorf("opening %s: %w", src.where, err)
	}
	defer tmpl.Close()
	info, err := tmpl.Stat(src.rel)
	if err != nil {
		return nil, 0, localSourceError(src, err)
	}
	if info.IsDir() {
		return nil, 0, problem.Input(`input %q %q is a directory, not a file`, src.field, src.input)
	}
	data, err := tmpl.ReadFile(src.rel)
	if err != nil {
		return nil, 0, localSourceError(src, err)
	}
	return data, info.Mode().Perm(), nil
}

// localSourceError classifies an error opening a path in the template's
// directory.
func localSourceError(src source, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return problem.Input(`input %q %q does not exist in %s`, src.field, src.input, src.where)
	case notDir(err):
		return problem.Input(`input %q %q is a file, not a directory`, src.field, src.input)
	case escapesRoot(err):
		return escapeError(fmt.Sprintf("input %q", src.field), src.input)
	}
	return fmt.Errorf("reading %s: %w", src.input, err)
}

// remoteTree turns a reader's files into tree nodes, adding the
// directories they imply.
func remoteTree(src source, files []File) (*tree, error) {
	t := &tree{}
	seen := map[string]bool{}
	for _, f := range files {
		p := strings.TrimPrefix(f.Path, "/")
		if !fs.ValidPath(p) || p == "." {
			return nil, problem.Input("reading %s: the reader returned a bad path %q", src.url, f.Path)
		}
		for d := path.Dir(p); d != "." && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			t.nodes = append(t.nodes, node{path: d, dir: true})
		}
		mode := f.Mode.Perm()
		if mode == 0 {
			mode = 0o644
		}
		t.nodes = append(t.nodes, node{path: p, mode: mode, data: f.Data})
	}
	sortNodes(t.nodes)
	return t, nil
}

// sortNodes orders nodes by path, which puts every directory before its
// contents.
func sortNodes(nodes []node) {
	slices.SortFunc(nodes, func(a, b node) int { return strings.Compare(a.path, b.path) })
}

// escapesRoot reports whether an os.Root refused a path because it (or a
// symbolic link on it) leads outside the root. os does not export that
// error, so its text is matched.
func escapesRoot(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// notDir reports whether opening a directory failed because the path is
// a file. os.Root reports that with an unexported error, so its text is
// matched too.
func notDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR) || err != nil && strings.HasSuffix(err.Error(), "not a directory")
}
