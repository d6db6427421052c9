package main

import (
	"context"
	"fmt"
	"io"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs/build"
)

const techdocsBuildUsage = `Usage: callboard techdocs build [--source-dir .] [--output-dir site] [flags]

Builds a TechDocs site the way Backstage's generator does, natively: the
mkdocs.yml (sanitised as TechDocs does) and the Markdown of its docs_dir
become a static site with search/search_index.json and
techdocs_metadata.json, ready for "callboard techdocs publish" or any
TechDocs publisher. Warnings (removed settings, broken links, failed
diagrams) name the file and line, relative to the source directory; a
broken configuration or a missing nav page stops the build with exit 1.

Flags:
`

func cmdTechdocsBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("techdocs build", techdocsBuildUsage, stderr)
	src := fs.String("source-dir", ".", "the directory holding mkdocs.yml (or mkdocs.yaml) and docs_dir")
	out := fs.String("output-dir", "site", "where to write the site; emptied first, except for dot files")
	siteName := fs.String("site-name", "", "site_name when the source has no mkdocs.yml (default \"Documentation Site\")")
	etag := fs.String("etag", "", "the etag to record in techdocs_metadata.json (such as the commit built)")
	repoURL := fs.String("repo-url", "", "repo_url when mkdocs.yml sets none")
	editURI := fs.String("edit-uri", "", "edit_uri when mkdocs.yml sets none")
	mermaid := fs.String("mermaid-script-url", "", "URL of the mermaid script pages with diagrams load (default: diagrams shown as source)")
	quiet := fs.Bool("q", false, "print errors only, not warnings and the summary")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	res, err := build.Build(ctx, *src, *out, build.Options{
		SiteName: *siteName, Etag: *etag, RepoURL: *repoURL, EditURI: *editURI, Mermaid: *mermaid,
	})
	if err != nil {
		msg := err.Error()
		if p, ok := problem.As(err); ok {
			msg = p.Message
		}
		fmt.Fprintln(stderr, "callboard techdocs build:", msg)
		return 1
	}
	if !*quiet {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		fmt.Fprintf(stdout, "built %d pages (%d files) into %s\n", res.Pages, len(res.Files), *out)
	}
	return 0
}
