package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs/markdown"
	"github.com/callboard/callboard/internal/techdocs/mkdocs"
)

// page is one Markdown page of the site.
type page struct {
	// src is the source, slash-separated, relative to docs_dir.
	src string
	// url is the page's URL relative to the site root ("" for the home
	// page, "guide/" or "guide.html" for others); out is the file written.
	url, out string
	// navTitle is the title the nav gives, title the page's resolved one.
	navTitle, title string
	prev, next      *page
	// ancestors are the nav sections holding the page.
	ancestors []*navNode
	updated   time.Time
	res       *markdown.Result
}

// maxFiles bounds the files of one docs_dir.
const maxFiles = 100_000

// scan lists the pages and assets of docs_dir, refusing files and
// directories that lead outside the source directory.
func (b *builder) scan() error {
	at := b.cfg.File
	if l := b.cfg.Lines["docs_dir"]; l != "" {
		at = l
	}
	if at == "" {
		at = "mkdocs.yml"
	}
	docs := filepath.Join(b.src, filepath.FromSlash(b.cfg.DocsDir))
	real, err := filepath.EvalSymlinks(docs)
	if errors.Is(err, fs.ErrNotExist) {
		return problem.Input("%s: docs_dir %q does not exist", at, b.cfg.DocsDir)
	}
	if err != nil {
		return fmt.Errorf("docs_dir: %w", err)
	}
	root, err := filepath.EvalSymlinks(b.src)
	if err != nil {
		return fmt.Errorf("source directory: %w", err)
	}
	if !mkdocs.Inside(root, real) {
		return problem.Input("%s: docs_dir %q leaves the source directory", at, b.cfg.DocsDir)
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return problem.Input("%s: docs_dir %q is not a directory", at, b.cfg.DocsDir)
	}
	b.docs = docs
	b.bySrc = map[string]*page{}
	b.isFile = map[string]bool{}
	b.folders = map[string]*page{}
	var files []string
	seen := map[string]bool{real: true}
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("read %s: %w", b.name(rel), err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue // MkDocs skips dot files
			}
			full := filepath.Join(dir, name)
			r := path.Join(rel, name)
			info, err := os.Lstat(full)
			if err != nil {
				return fmt.Errorf("read %s: %w", b.name(r), err)
			}
			if info.Mode()&fs.ModeSymlink != 0 {
				target, err := filepath.EvalSymlinks(full)
				if err != nil {
					return problem.Input("%s: broken symbolic link", b.name(r))
				}
				if !mkdocs.Inside(root, target) {
					return problem.Input("%s: symbolic link leaves the source directory", b.name(r))
				}
				if info, err = os.Stat(target); err != nil {
					return fmt.Errorf("read %s: %w", b.name(r), err)
				}
				if info.IsDir() {
					if seen[target] {
						continue
					}
					seen[target] = true
				}
			}
			switch {
			case info.IsDir():
				if err := walk(full, r); err != nil {
					return err
				}
			case info.Mode().IsRegular():
				files = append(files, r)
				if len(files) > maxFiles {
					return problem.Input("%s: more than %d files", b.cfg.DocsDir, maxFiles)
				}
			}
		}
		return nil
	}
	if err := walk(docs, ""); err != nil {
		return err
	}
	sort.Slice(files, func(i, j int) bool { return fileLess(files[i], files[j]) })
	for _, f := range files {
		b.isFile[f] = true
	}
	for _, f := range files {
		if !isMarkdown(f) {
			b.assets = append(b.assets, f)
			continue
		}
		dir, base := path.Split(f)
		if isIndex(base) && !strings.HasPrefix(base, "index.") && hasIndexMD(b.isFile, dir) {
			b.warn(fmt.Sprintf("%s: ignored: it conflicts with %sindex.md", b.name(f), dir))
			continue
		}
		p := &page{src: f}
		p.url, p.out = pageURL(f, b.cfg.UseDirectoryURLs)
		b.pages = append(b.pages, p)
		b.bySrc[f] = p
		if isIndex(f) {
			b.folders[dir] = p
		}
	}
	if len(b.pages) == 0 {
		return problem.Input("%s: docs_dir %q has no Markdown pages", at, b.cfg.DocsDir)
	}
	return nil
}

func isMarkdown(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".mdown", ".mkdn", ".mkd":
		return true
	}
	return false
}

// isIndex reports whether a page is its folder's page.
func isIndex(src string) bool {
	stem := strings.TrimSuffix(path.Base(src), path.Ext(src))
	return stem == "index" || stem == "README"
}

// pageURL returns a page's URL and output file: with directory URLs
// "a/b.md" is "a/b/" in "a/b/index.html", else "a/b.html"; "a/index.md"
// is "a/".
func pageURL(src string, dirURLs bool) (url, out string) {
	dir := path.Dir(src)
	if dir == "." {
		dir = ""
	} else {
		dir += "/"
	}
	stem := strings.TrimSuffix(path.Base(src), path.Ext(src))
	switch {
	case isIndex(src) && dirURLs:
		return dir, dir + "index.html"
	case isIndex(src):
		return dir + "index.html", dir + "index.html"
	case dirURLs:
		return dir + stem + "/", dir + stem + "/index.html"
	default:
		return dir + stem + ".html", dir + stem + ".html"
	}
}

// fileLess orders files as MkDocs does: in each folder the index page
// first, then files, then subfolders, each by name.
func fileLess(a, b string) bool {
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		ka, kb := sortKey(pa[i], i == len(pa)-1), sortKey(pb[i], i == len(pb)-1)
		if ka != kb {
			return ka < kb
		}
	}
	return len(pa) < len(pb)
}

func sortKey(part string, last bool) string {
	switch {
	case !last:
		return "\x02" + part
	case isIndex(part):
		return "\x00" + part
	}
	return "\x01" + part
}

// hasIndexMD reports whether folder dir ("" or "a/") has an index page
// other than a README.
func hasIndexMD(isFile map[string]bool, dir string) bool {
	for _, ext := range []string{".md", ".markdown", ".mdown", ".mkdn", ".mkd"} {
		if isFile[dir+"index"+ext] {
			return true
		}
	}
	return false
}
