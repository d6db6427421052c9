package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/internal/scaffolder/actions/publish"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/plugin"
)

// scaffolderSettings is what the scaffolder section configures besides
// the engine: the publish actions' defaults.
type scaffolderSettings struct {
	DefaultAuthor struct {
		Name  string `config:"name"`
		Email string `config:"email"`
	} `config:"defaultAuthor"`
	DefaultCommitMessage string `config:"defaultCommitMessage"`
	Publish              struct {
		// LocalRepositories are where publish:git may push with file://
		// remotes; none by default.
		LocalRepositories []string `config:"localRepositories"`
	} `config:"publish"`
}

// scaffolderDeps are the catalog and the plugins' actions the scaffolder
// is built with; the zero value gives an engine without a catalog (the
// CLI).
type scaffolderDeps struct {
	store     scaffolder.Store
	catalog   *scaffolderCatalog
	extra     []plugin.Action
	actionCtx func(ctx context.Context, createdBy string, user scaffolder.SpecUser) context.Context
	authorize func(ctx context.Context, actionID string, input map[string]any) error
	notifier  scaffolder.Notifier
	audit     scaffolder.Auditor
}

// newScaffolder builds the scaffolder engine from configuration: the
// built-in and publish actions, then the plugins' actions (a later action
// with the same id replaces an earlier one), and Backstage's template
// filters for the configured integrations.
func newScaffolder(cfg *config.Config, log *slog.Logger, d scaffolderDeps) (*scaffolder.Engine, error) {
	var sc scaffolder.Config
	if err := cfg.Decode("scaffolder", &sc); err != nil {
		return nil, err
	}
	var settings scaffolderSettings
	if err := cfg.Decode("scaffolder", &settings); err != nil {
		return nil, err
	}
	var workdir string
	if err := cfg.Decode("backend.workingDirectory", &workdir); err != nil {
		return nil, err
	}
	forges, err := integration.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	var allow []builtin.AllowRule
	for _, r := range cfg.Backend.Reading.Allow {
		allow = append(allow, builtin.AllowRule{Host: r.Host, Paths: r.Paths})
	}
	reader, err := integration.New(forges, integration.Options{ReadingAllow: allow})
	if err != nil {
		return nil, err
	}
	filters := nunjucks.BackstageFilters(publish.HostKinds(forges).KindOf)
	sources := newIntegrationReader(reader)
	deps := actions.Deps{Reader: sources, Filters: filters}
	if d.catalog != nil {
		deps.Locations, deps.Entities = d.catalog, catalogEntities{d.catalog}
	}
	all := actions.Builtin(deps)
	all = append(all, publish.Actions(publish.Deps{
		Integrations:         forges,
		DefaultAuthorName:    settings.DefaultAuthor.Name,
		DefaultAuthorEmail:   settings.DefaultAuthor.Email,
		DefaultCommitMessage: settings.DefaultCommitMessage,
		LocalRepositories:    settings.Publish.LocalRepositories,
	})...)
	all = append(all, d.extra...)
	// Actions declared in configuration come last, so a platform team's
	// action replaces a built-in or plugin action of the same id.
	ext, err := externalActions(cfg)
	if err != nil {
		return nil, err
	}
	all = append(all, ext...)
	o := scaffolder.Options{
		Store:            d.store,
		Actions:          all,
		Filters:          filters,
		Config:           sc,
		WorkingDirectory: workdir,
		SourceReader:     sources,
		Logger:           log.With("component", "scaffolder"),
		ActionContext:    d.actionCtx,
		AuthorizeAction:  d.authorize,
		Audit:            d.audit,
		BaseURL:          cfg.Backend.BaseURL,
	}
	if d.notifier != nil {
		o.Notifier = d.notifier
	}
	if d.catalog != nil {
		o.Catalog = d.catalog
	}
	e, err := scaffolder.New(o)
	if err != nil {
		return nil, fmt.Errorf("scaffolder: %w", err)
	}
	return e, nil
}

// NewTemplateTool returns a scaffolder engine for checking and
// dry-running templates from the command line: the built-in actions and
// the configuration's integrations, without a database or a catalog.
func NewTemplateTool(cfg *config.Config, log *slog.Logger) (*scaffolder.Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return newScaffolder(cfg, log, scaffolderDeps{})
}

// scaffolderCatalog adapts the catalog to what the scaffolder and its
// catalog actions read and write, with the permissions of the identity in
// ctx: the caller of a request, or the creator of a running task.
type scaffolderCatalog struct {
	authz  pageAuthz
	engine *catalog.Engine
}

var (
	_ scaffolder.Catalog        = (*scaffolderCatalog)(nil)
	_ actions.EntityGetter      = catalogEntities{}
	_ actions.LocationRegistrar = (*scaffolderCatalog)(nil)
)

// entityJSON returns an entity as the identity in ctx may see it; nil
// when there is none.
func (c *scaffolderCatalog) entityJSON(ctx context.Context, ref entity.Ref) (json.RawMessage, error) {
	reader, err := c.authz.readerFor(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := reader.EntityByRef(ctx, ref)
	if problem.Is(err, problem.NotFoundError) {
		return nil, nil
	}
	return raw, err
}

// Entity implements scaffolder.Catalog.
func (c *scaffolderCatalog) Entity(ctx context.Context, ref string) (json.RawMessage, error) {
	r, err := entity.ParseRef(ref, entity.RefDefaults{})
	if err != nil {
		return nil, problem.Input("%v", err)
	}
	return c.entityJSON(ctx, r)
}

// Templates implements scaffolder.Catalog.
func (c *scaffolderCatalog) Templates(ctx context.Context) ([]json.RawMessage, error) {
	reader, err := c.authz.readerFor(ctx)
	if err != nil {
		return nil, err
	}
	filter := &catalog.Predicate{Op: catalog.OpField, Key: "kind", Match: catalog.FieldMatch{Kind: catalog.MatchEq, Values: []string{"template"}}}
	var out []json.RawMessage
	req := catalog.QueryRequest{Filter: filter, SkipTotal: true}
	for {
		res, err := reader.QueryEntities(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, res.Items...)
		if res.NextCursor == "" {
			return out, nil
		}
		req = catalog.QueryRequest{Cursor: res.NextCursor, SkipTotal: true}
	}
}

// catalogEntities reads entities for catalog:fetch.
type catalogEntities struct{ c *scaffolderCatalog }

// Entity implements actions.EntityGetter.
func (c catalogEntities) Entity(ctx context.Context, ref entity.Ref) (map[string]any, error) {
	raw, err := c.c.entityJSON(ctx, ref)
	if err != nil || raw == nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode entity %s: %w", ref, err)
	}
	return m, nil
}

// RegisterLocation implements actions.LocationRegistrar: it needs
// catalog.location.create, and a registration is in the audit log as any
// other.
func (c *scaffolderCatalog) RegisterLocation(ctx context.Context, target string, dryRun bool) ([]entity.Ref, error) {
	if err := c.authz.authorize(ctx, catalog.PermissionLocationCreate, "url:"+target); err != nil {
		return nil, err
	}
	res, err := c.engine.CreateLocation(ctx, catalog.LocationInput{Type: "url", Target: target}, catalog.CreateLocationOptions{DryRun: dryRun})
	if !dryRun {
		e := audit.Event{Action: catalog.PermissionLocationCreate, Target: "url:" + target, Outcome: audit.OutcomeSucceeded}
		if err != nil {
			e.Outcome = audit.OutcomeFailed
		}
		if rerr := c.authz.audit.Record(context.WithoutCancel(ctx), e); rerr != nil {
			c.authz.log.ErrorContext(ctx, "record audit event", "action", e.Action, "error", rerr)
		}
	}
	if err != nil {
		return nil, err
	}
	refs := make([]entity.Ref, 0, len(res.Entities))
	for _, raw := range res.Entities {
		var e entity.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode registered entity: %w", err)
		}
		refs = append(refs, e.Ref())
	}
	return refs, nil
}

// taskIdentity is the identity a task's actions run as: its creator, a
// user whose ownership is the user and the groups their entity is a
// member of, or a service.
func taskIdentity(ctx context.Context, createdBy string, user scaffolder.SpecUser) context.Context {
	if user.Ref == "" {
		if createdBy == "" {
			return ctx
		}
		return auth.WithIdentity(ctx, &auth.Identity{Kind: auth.KindService, Subject: createdBy, Via: auth.CredentialNone})
	}
	own := []string{user.Ref}
	if rels, ok := user.Entity["relations"].([]any); ok {
		for _, r := range rels {
			m, _ := r.(map[string]any)
			if m["type"] == entity.RelationMemberOf {
				if t, ok := m["targetRef"].(string); ok {
					own = append(own, t)
				}
			}
		}
	}
	return auth.WithIdentity(ctx, &auth.Identity{Kind: auth.KindUser, UserEntityRef: user.Ref, OwnershipEntityRefs: own, Via: auth.CredentialNone})
}

// wireScaffolder builds the scaffolder over the app's database, catalog,
// policy and audit log, with the plugins' actions.
func wireScaffolder(cfg *config.Config, log *slog.Logger, db *store.DB, authz pageAuthz, engine *catalog.Engine, extra []plugin.Action, notifier scaffolder.Notifier) (*scaffolder.Engine, error) {
	return newScaffolder(cfg, log, scaffolderDeps{
		store:     store.NewScaffolder(db),
		audit:     authz.audit,
		notifier:  notifier,
		catalog:   &scaffolderCatalog{authz: authz, engine: engine},
		extra:     extra,
		actionCtx: taskIdentity,
		authorize: func(ctx context.Context, actionID string, _ map[string]any) error {
			if err := authz.authorize(ctx, permission.ScaffolderActionExecute, actionID); err != nil {
				if problem.Is(err, problem.NotAllowedError) {
					return problem.NotAllowed("Unauthorized action: %s. The action is not allowed.", actionID)
				}
				return err
			}
			return nil
		},
	})
}

// Scaffolder is the scaffolder engine: templates, tasks and dry runs.
func (a *App) Scaffolder() *scaffolder.Engine { return a.scaffolder }
