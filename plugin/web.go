package plugin

import (
	"context"
	"html/template"
	"net/url"

	"github.com/callboard/callboard/entity"
)

// Entity pages are made of tabs, and their Overview tab of cards. The
// portal's own cards (About, Relations, Links, processing errors) and tabs
// (Overview, Relations, History, Inspect) are implementations of these
// contracts too, so a plugin adds to every entity page the same way.
//
// The page lives at /catalog/{namespace}/{kind}/{name}; tab ID at
// /catalog/{namespace}/{kind}/{name}/{ID}. The overview tab has the ID
// "overview" and is served at the page's own path as well.
//
// What Render returns is put in the page as it is, so it must be safe
// HTML: build it with html/template (which escapes), never by
// concatenating entity data. Headings inside a card start at <h3> (the
// portal writes the card's <h2> from Title); inside a tab at <h2> (the
// page has the <h1>). Plain semantic HTML looks right without any of the
// portal's stylesheet classes.

// EntityCard is a card on the Overview tab of the entity pages it applies
// to.
type EntityCard interface {
	// ID names the card, unique among cards, in lower-case-kebab form
	// (e.g. "pagerduty-oncall"); the card's element id derives from it.
	ID() string
	// Title is the card's heading.
	Title() string
	// AppliesTo reports whether the card shows on e's page. It must be
	// cheap: it runs for every card on every page view.
	AppliesTo(e *entity.Entity) bool
	// Render returns the card's body. An error shows in place of the card
	// (with a problem's message, or a generic one), not instead of the
	// page; returning "" hides the card.
	Render(ctx context.Context, v *EntityView) (template.HTML, error)
}

// EntityTab is a tab of the entity pages it applies to.
type EntityTab interface {
	// ID is the tab's path segment, unique among tabs, e.g. "graph".
	ID() string
	// Title is the tab's label.
	Title() string
	// AppliesTo reports whether e's page has the tab; it must be cheap.
	AppliesTo(e *entity.Entity) bool
	// Render returns the tab's content. A problem error (NotFound,
	// InputError, ...) becomes the error page with its status.
	Render(ctx context.Context, v *EntityView) (template.HTML, error)
}

// EntityView is what a card or tab renders from: the entity, the page's
// request, and the catalog as the reader may see it.
type EntityView struct {
	// Entity is the final entity (relations and status included).
	Entity *entity.Entity
	// Ref is the entity's canonical reference (lower-cased).
	Ref entity.Ref
	// Path is the entity page's path, /catalog/{namespace}/{kind}/{name},
	// with the entity's own spelling; a tab's URL is Path + "/" + its ID.
	Path string
	// Query holds the request's query parameters: a tab's own form (a
	// graph's depth, say) submits to the tab's URL with GET, so its state
	// is bookmarkable and works without JavaScript.
	Query url.Values
	// Viewer is the reader's user entity ref (user:default/jane); "" for
	// a reader who is not a user (a service, or no sign-in at all).
	Viewer string
	// Catalog reads other entities with the reader's permissions.
	Catalog EntityReader
	// Link returns the entity page path of a ref (as in a relation's
	// targetRef), so cards link to entities the way the portal does.
	Link func(ref string) string
}

// EntityReader reads catalog entities with the permissions of the page's
// reader: entities the reader may not see read as absent.
type EntityReader interface {
	// EntitiesByRefs returns one entity per canonical ref, in order, nil
	// where there is none. Lists are capped at 500 refs.
	EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error)
}
