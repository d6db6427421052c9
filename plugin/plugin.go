package plugin

import (
	"context"
	"log/slog"
)

// A Plugin adds behaviour to Callboard. Register is called once at start-up,
// before anything runs.
type Plugin interface {
	// ID names the plugin, e.g. "github"; its config lives under plugins.<id>.
	ID() string
	Register(r Registrar) error
}

// Registrar is everything a plugin may contribute. Built-in parts register
// through the same Registrar, so there is one code path.
type Registrar interface {
	// Logger returns a logger tagged with the plugin's ID.
	Logger() *slog.Logger
	// DecodeConfig decodes the plugins.<id> config section into v.
	DecodeConfig(v any) error
	// AddEntityProvider feeds entities into the catalog.
	AddEntityProvider(p EntityProvider)
	// AddProcessor adds a stage to the processing of every entity.
	AddProcessor(p Processor)
	// AddEntityCard adds a card to the Overview tab of entity pages, after
	// the portal's own cards.
	AddEntityCard(c EntityCard)
	// AddEntityTab adds a tab to entity pages, after the portal's own tabs
	// except History and Inspect, which stay last.
	AddEntityTab(t EntityTab)
	// AddAction adds a scaffolder action. One with the ID of a built-in
	// action, or of an action added before it, replaces that action.
	AddAction(a Action)
}

// Starter is implemented by plugins that run background work. Start must
// return promptly; the work stops when ctx is done.
type Starter interface {
	Start(ctx context.Context) error
}
