package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"
)

//go:embed templates static
var embeddedFS embed.FS

// embedded is what production serves.
var embedded fs.FS = embeddedFS

// bundle is one loaded set of templates and static files.
type bundle struct {
	// assets are the static files by the name they are served under: the
	// hashed name and the plain one.
	assets map[string]servedAsset
	// urls maps a static file's name to its hashed URL.
	urls map[string]string
	// pages holds, per page name, the layout and that page, parsed on the
	// page's first use: a server whose pages are not all visited (an API
	// replica, a catalog being ingested) holds only those it served.
	pages map[string]func() (*template.Template, error)
	// base is the layout and shared templates alone, for fragments.
	base *template.Template
}

// asset is one static file.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// servedAsset is an asset under one of its names; hashed names never
// change content and may be cached for good.
type servedAsset struct {
	*asset
	immutable bool
}

// loadBundle reads static/ and templates/ from fsys.
func loadBundle(fsys fs.FS) (*bundle, error) {
	b := &bundle{assets: map[string]servedAsset{}, urls: map[string]string{}, pages: map[string]func() (*template.Template, error){}}
	if err := b.loadAssets(fsys); err != nil {
		return nil, err
	}
	if err := b.loadPages(fsys); err != nil {
		return nil, err
	}
	return b, nil
}

// mainStylesheet is the stylesheet every page links. Other stylesheets in
// static/ (a feature's own, such as the graph's) are appended to it, in
// name order, so a page needs one request and the layout one link.
const mainStylesheet = "app.css"

func (b *bundle) loadAssets(fsys fs.FS) error {
	var extraCSS []byte
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		name := strings.TrimPrefix(p, "static/")
		if path.Ext(name) == ".css" && name != mainStylesheet {
			extraCSS = append(append(extraCSS, "\n"...), body...)
		}
		b.addAsset(name, body)
		return nil
	})
	if err != nil || extraCSS == nil {
		return err
	}
	main, ok := b.assets[mainStylesheet]
	if !ok {
		return fmt.Errorf("static/%s is missing", mainStylesheet)
	}
	b.addAsset(mainStylesheet, append(append([]byte{}, main.body...), extraCSS...))
	return nil
}

// addAsset serves body under name and its hashed name.
func (b *bundle) addAsset(name string, body []byte) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:6])
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	a := &asset{body: body, ctype: ctype, etag: `"` + hash + `"`}
	hashed := hashedName(name, hash)
	b.assets[name] = servedAsset{asset: a}
	b.assets[hashed] = servedAsset{asset: a, immutable: true}
	b.urls[name] = "/static/" + hashed
}

// hashedName puts hash before the extension: app.css → app.<hash>.css.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// Template files: the layout and shared partials, then one file per page
// defining its "content".
const (
	layoutGlob = "templates/*.html"
	pagesGlob  = "templates/pages/*.html"
)

func (b *bundle) loadPages(fsys fs.FS) error {
	base, err := template.New("").Funcs(b.funcs()).ParseFS(fsys, layoutGlob)
	if err != nil {
		return fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, pagesGlob)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no page templates in %s", pagesGlob)
	}
	// Fragments execute base itself, so the pages are cloned from a copy
	// that is never executed.
	b.base = base
	if base, err = base.Clone(); err != nil {
		return err
	}
	for _, f := range files {
		b.pages[strings.TrimSuffix(path.Base(f), ".html")] = sync.OnceValues(func() (*template.Template, error) {
			return parsePage(fsys, base, f)
		})
	}
	return nil
}

// parsePage parses the page file f into a copy of base.
func parsePage(fsys fs.FS, base *template.Template, f string) (*template.Template, error) {
	t, err := base.Clone()
	if err == nil {
		t, err = t.ParseFS(fsys, f)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", f, err)
	}
	if t.Lookup("content") == nil {
		return nil, fmt.Errorf("%s defines no content", f)
	}
	return t, nil
}

// assetURL is the hashed URL of a static file.
func (b *bundle) assetURL(name string) (string, error) {
	u, ok := b.urls[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

// embeddedBundle is the production bundle, loaded once and shared by every
// handler: each would otherwise hold its own copy of every page's templates.
var embeddedBundle = sync.OnceValues(func() (*bundle, error) { return loadBundle(embedded) })
