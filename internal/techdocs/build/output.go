package build

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs/mkdocs"
)

//go:embed static/techdocs.css
var siteCSS []byte

// stylesheetPath is where the site's stylesheet is written.
const stylesheetPath = "assets/callboard/techdocs.css"

// prepareOutput creates out, or empties it (keeping dot files) as MkDocs
// does, after checking that it holds neither the source directory nor
// docs_dir, and is not inside docs_dir.
func prepareOutput(out, src, docs string) error {
	if mkdocs.Inside(out, src) {
		return problem.Input("the output directory %s holds the source directory", out)
	}
	if mkdocs.Inside(docs, out) {
		return problem.Input("the output directory %s is inside docs_dir", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("output directory: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
			return fmt.Errorf("clean output directory: %w", err)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	return nil
}

// copyFile copies an asset into an existing folder.
func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy asset: %w", err)
	}
	defer func() { _ = in.Close() }()
	o, err := os.Create(to)
	if err != nil {
		return fmt.Errorf("copy asset: %w", err)
	}
	defer func() {
		if cerr := o.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("copy asset: %w", cerr)
		}
	}()
	if _, err := io.Copy(o, in); err != nil {
		return fmt.Errorf("copy asset: %w", err)
	}
	return nil
}

var stylesheet = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	buf.Write(siteCSS)
	buf.WriteString("\n/* Code highlighting (chroma's github and github-dark styles). */\n")
	f := chromahtml.New(chromahtml.WithClasses(true))
	_ = f.WriteCSS(&buf, styles.Get("github"))
	buf.WriteString("@media (prefers-color-scheme: dark) {\n")
	_ = f.WriteCSS(&buf, styles.Get("github-dark"))
	buf.WriteString("}\n")
	return buf.Bytes()
})

// finish writes the stylesheet, the search index and
// techdocs_metadata.json, and lists every file of the site.
func (b *builder) finish() (*Result, error) {
	if b.isFile[stylesheetPath] {
		b.warn(fmt.Sprintf("%s: replaced by the site's stylesheet", b.name(stylesheetPath)))
	}
	if err := writeFile(filepath.Join(b.out, filepath.FromSlash(stylesheetPath)), stylesheet()); err != nil {
		return nil, err
	}
	index, err := b.searchIndex()
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(b.out, "search", "search_index.json"), index); err != nil {
		return nil, err
	}
	files := append([]string{}, b.written...)
	files = append(files, stylesheetPath, "search/search_index.json", "techdocs_metadata.json")
	sort.Strings(files)
	files = dedupe(files)
	desc := b.cfg.SiteDescription
	if desc == "" {
		desc = "None" // what mkdocs-techdocs-core writes for a missing description
	}
	md := Metadata{SiteName: b.cfg.SiteName, SiteDescription: desc, Etag: b.o.Etag, BuildTimestamp: time.Now().UnixMilli(), Files: files}
	data, err := marshal(md)
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(b.out, "techdocs_metadata.json"), data); err != nil {
		return nil, err
	}
	return &Result{Pages: len(b.pages), Files: files, Warnings: b.warnings, Metadata: md}, nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// marshal writes JSON without escaping HTML characters.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
