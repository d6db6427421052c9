package techdocs

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// Location is where an entity's documentation source lives: a "url" (a
// tree in a forge) or a "dir" (an absolute local directory).
type Location struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

// Location types.
const (
	LocationURL = "url"
	LocationDir = "dir"
)

// HasDocs reports whether e declares documentation of its own.
func HasDocs(e *entity.Entity) bool {
	return strings.TrimSpace(e.Annotation(entity.AnnotationTechDocsRef)) != ""
}

// ResolveLocation resolves e's backstage.io/techdocs-ref as Backstage's
// getLocationForEntity does: url: targets are used as they are; dir:
// targets are resolved against the entity's source location
// (backstage.io/source-location, else backstage.io/managed-by-location): a
// url source gives a url, a file source an absolute directory that must
// stay inside the source file's directory.
func ResolveLocation(e *entity.Entity) (Location, error) {
	raw := e.Annotation(entity.AnnotationTechDocsRef)
	if strings.TrimSpace(raw) == "" {
		return Location{}, problem.Input("No %s annotation provided in entity: %s", entity.AnnotationTechDocsRef, e.Metadata.Name)
	}
	typ, target, err := entity.ParseLocationRef(raw)
	if err != nil {
		return Location{}, problem.Input("%s", err.Error())
	}
	switch typ {
	case LocationURL:
		return Location{Type: LocationURL, Target: target}, nil
	case LocationDir:
		return resolveDir(e, target)
	default:
		return Location{}, problem.Input("Invalid reference annotation %s", typ)
	}
}

func resolveDir(e *entity.Entity, dir string) (Location, error) {
	src := e.Annotation(entity.AnnotationSourceLocation)
	if src == "" {
		src = e.Annotation(entity.AnnotationManagedByLocation)
	}
	if src == "" {
		return Location{}, problem.Input("Entity '%s' is missing location", e.Ref())
	}
	typ, target, err := entity.ParseLocationRef(src)
	if err != nil {
		return Location{}, problem.Input("%s", err.Error())
	}
	switch typ {
	case "url":
		u, err := ResolveURL(dir, target)
		if err != nil {
			return Location{}, err
		}
		return Location{Type: LocationURL, Target: u}, nil
	case "file":
		base := filepath.Dir(target)
		p, err := safeChild(base, dir)
		if err != nil {
			return Location{}, err
		}
		return Location{Type: LocationDir, Target: p}, nil
	default:
		return Location{}, problem.Input("Unable to resolve location type %s", typ)
	}
}

// safeChild joins rel to base and refuses a result outside base, as
// Backstage's resolveSafeChildPath does.
func safeChild(base, rel string) (string, error) {
	p := rel
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, rel)
	}
	p = filepath.Clean(p)
	r, err := filepath.Rel(base, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", problem.NotAllowed("Relative path is not allowed to refer to a directory outside its parent")
	}
	return p, nil
}

// ResolveURL resolves a path against a source URL as Backstage's default
// SCM resolver does: an absolute URL is kept; a path starting with "/" is
// relative to the repository root (the part of base up to its branch);
// anything else is resolved like a browser resolves a relative link. The
// base's query string is kept.
func ResolveURL(rel, base string) (string, error) {
	if u, err := url.Parse(rel); err == nil && u.IsAbs() {
		return rel, nil
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return "", problem.Input("Invalid source location URL %q", base)
	}
	r, err := url.Parse(rel)
	if err != nil {
		return "", problem.Input("Invalid techdocs-ref path %q", rel)
	}
	var out *url.URL
	if strings.HasPrefix(r.Path, "/") {
		c := *b
		out = &c
		out.Path = strings.TrimSuffix(repoRoot(b.Path), "/") + r.Path
		out.RawPath = ""
		out.Fragment = r.Fragment
	} else {
		out = b.ResolveReference(r)
	}
	out.RawQuery = b.RawQuery
	return out.String(), nil
}

// repoRoot returns the part of a forge URL path up to and including the
// branch: /o/r/tree/main/docs → /o/r/tree/main. Paths of unknown shape
// have no repository part, so the host root is used.
func repoRoot(p string) string {
	for _, marker := range []string{"/-/tree/", "/-/blob/", "/tree/", "/blob/", "/src/branch/", "/browse/"} {
		i := strings.Index(p, marker)
		if i < 0 {
			continue
		}
		rest := p[i+len(marker):]
		if marker == "/browse/" {
			return p[:i+len(marker)-1]
		}
		ref, _, _ := strings.Cut(rest, "/")
		return p[:i+len(marker)] + ref
	}
	return ""
}

// RepoURLs derives mkdocs' repo_url and edit_uri from a url location the
// way Backstage does for GitHub- and GitLab-style URLs: the tree URL is the
// repository link, and the docs folder beside it, opened for editing, is
// where "edit this page" leads. Other locations give nothing.
func RepoURLs(loc Location) (repoURL, editURI string) {
	if loc.Type != LocationURL {
		return "", ""
	}
	u, err := url.Parse(loc.Target)
	if err != nil || !u.IsAbs() {
		return "", ""
	}
	for _, m := range []struct{ view, edit string }{{"/-/tree/", "/-/edit/"}, {"/-/blob/", "/-/edit/"}, {"/tree/", "/edit/"}, {"/blob/", "/edit/"}} {
		if !strings.Contains(u.Path, m.view) {
			continue
		}
		base := loc.Target
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		docs, err := ResolveURL("./docs", base)
		if err != nil {
			return loc.Target, ""
		}
		return loc.Target, strings.Replace(docs, m.view, m.edit, 1)
	}
	if repoRoot(u.Path) == "" && strings.Count(strings.Trim(u.Path, "/"), "/") == 1 {
		return loc.Target, "" // a bare repository URL
	}
	return "", ""
}

// String is the location as a location ref.
func (l Location) String() string { return fmt.Sprintf("%s:%s", l.Type, l.Target) }
