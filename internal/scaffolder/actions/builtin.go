package actions

import (
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// Deps are what the built-in actions need from the app.
type Deps struct {
	// Reader reads templates that are not on the server's disk, usually
	// through the integrations. Without one only file:// templates can be
	// fetched.
	Reader Reader
	// Locations and Entities are the catalog; catalog:register and
	// catalog:fetch fail with a clear error when they are nil.
	Locations LocationRegistrar
	Entities  EntityGetter
	// Filters are the Backstage template filters (parseRepoUrl, ...) for
	// skeleton files, as nunjucks.BackstageFilters builds them.
	Filters map[string]nunjucks.Filter
}

// Builtin returns the built-in actions, sorted by id. Every one but
// catalog:register supports dry runs.
func Builtin(d Deps) []plugin.Action {
	tp := &templater{reader: d.Reader, filters: d.Filters}
	return []plugin.Action{
		approvalRequest(),
		catalogFetch(d.Entities),
		catalogRegister(d.Locations),
		catalogWrite(),
		debugLog(),
		debugWait(),
		fetchPlain(d.Reader),
		fetchPlainFile(d.Reader),
		fetchTemplate(tp),
		fetchTemplateFile(tp),
		flowSleep(),
		fsDelete(),
		fsReaddir(),
		fsRename(),
		waitCallback(),
		workspaceTemplate(tp),
		workspaceTemplateFile(tp),
	}
}
