package web

import (
	"context"
	"html/template"
	"regexp"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/techdocs"
	"github.com/callboard/callboard/plugin"
)

// DocsTabID is the Docs tab's path segment.
const DocsTabID = "docs"

// docsTab is the Docs tab of entities with docs: the site's home page,
// its navigation and the state of its build, with the way into the
// reader.
type docsTab struct{ d *Docs }

var _ plugin.EntityTab = docsTab{}

func (docsTab) ID() string    { return DocsTabID }
func (docsTab) Title() string { return "Docs" }

// AppliesTo is true for entities with docs of their own or another's.
func (docsTab) AppliesTo(e *entity.Entity) bool {
	return techdocs.HasDocs(e) || e.Annotation(entity.AnnotationTechDocsEntity) != ""
}

// docsTabView is what the tab shows.
type docsTabView struct {
	Base      string
	SiteName  string
	Page      *techdocs.Page
	Missing   bool
	Built     time.Time
	Status    techdocs.Status
	HasStatus bool
	// Other is the entity whose docs this one shows.
	Other refLink
}

func (t docsTab) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	e := v.Entity
	if !techdocs.HasDocs(e) {
		ns := e.Metadata.Namespace
		if ns == "" {
			ns = entity.DefaultNamespace
		}
		other := e.Annotation(entity.AnnotationTechDocsEntity)
		to, err := entity.ParseRef(other, entity.RefDefaults{Namespace: ns})
		if err != nil {
			return "", problem.Input("The %s annotation is not an entity reference: %s", entity.AnnotationTechDocsEntity, err.Error())
		}
		return t.d.fragment("docs-tab", docsTabView{Base: docsBase(to), Other: linkTo(to.String(), "")})
	}
	ref := e.Ref() // the publisher decides the case of the folder
	t.d.docs.Request(e)
	view := docsTabView{Base: docsBase(ref), SiteName: displayName(e), Status: t.d.docs.Status(ref)}
	view.HasStatus = view.Status.Building || view.Status.Queued || view.Status.Error != ""
	md, err := t.d.docs.Metadata(ctx, ref)
	switch {
	case problem.Is(err, problem.NotFoundError):
		view.Missing = true
		return t.d.fragment("docs-tab", view)
	case err != nil:
		return "", err
	}
	if md.SiteName != "" {
		view.SiteName = md.SiteName
	}
	if md.BuildTimestamp > 0 {
		view.Built = time.UnixMilli(md.BuildTimestamp)
	}
	pg, err := t.d.docs.Page(ctx, ref, "index.html", view.Base)
	switch {
	case problem.Is(err, problem.NotFoundError):
	case err != nil:
		return "", err
	default:
		// Inside a tab headings start at h2: the page has the h1.
		shifted := *pg
		shifted.Article = demoteHeadings(pg.Article)
		view.Page = &shifted
	}
	return t.d.fragment("docs-tab", view)
}

// headingTag matches the opening and closing tags of h1 to h5.
var headingTag = regexp.MustCompile(`<(/?)h([1-5])([\s>])`)

// demoteHeadings moves every heading of sanitised HTML one level down, h1
// to h2 and so on (h6 stays). Tags are all the sanitiser lets through as
// markup, so matching them in the text is exact.
func demoteHeadings(h template.HTML) template.HTML {
	return template.HTML(headingTag.ReplaceAllStringFunc(string(h), func(m string) string {
		sub := headingTag.FindStringSubmatch(m)
		return "<" + sub[1] + "h" + string(rune(sub[2][0]+1)) + sub[3]
	}))
}
