package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/httpapi"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/web"
)

// The catalog is the permission framework's applier for its entities.
var _ permission.ConditionApplier = (*catalog.Query)(nil)

// newPolicy builds the permission policy from the permission section, with
// every permission Callboard knows and the catalog resolving conditions
// about one entity.
func newPolicy(cfg *config.Config, log *slog.Logger, query *catalog.Query) (*permission.Policy, error) {
	pc, err := permission.LoadConfig(cfg)
	if err != nil {
		return nil, err
	}
	var catalogDefs []permission.Definition
	for _, p := range catalog.Permissions() {
		catalogDefs = append(catalogDefs, permission.Definition{
			Permission: permission.Permission{Name: p.Name, Type: p.Type, Action: p.Action, ResourceType: p.ResourceType},
			PluginID:   permission.PluginCatalog,
			Default:    permission.AudienceUsers,
		})
	}
	defs, err := permission.NewDefinitions(catalogDefs, permission.ScaffolderDefinitions(), permission.CallboardDefinitions())
	if err != nil {
		return nil, err
	}
	return permission.NewPolicy(permission.Options{
		Config:      pc,
		Definitions: defs,
		Appliers:    map[string]permission.ConditionApplier{catalog.ResourceTypeEntity: query},
		Logger:      log.With("component", "permission"),
	})
}

// newAuditLog builds the audit log over the database with the sinks of the
// audit section.
func newAuditLog(cfg *config.Config, log *slog.Logger, db *store.DB) (*audit.Log, error) {
	ac, err := audit.LoadConfig(cfg)
	if err != nil {
		return nil, err
	}
	log = log.With("component", "audit")
	return audit.New(audit.Options{
		Store:          store.NewAudit(db),
		Actor:          auditActor,
		Sinks:          audit.NewSinks(ac.Sinks, audit.SinkOptions{Stdout: os.Stdout, Logger: log}),
		ClientIPHeader: ac.ClientIPHeader,
		Logger:         log,
	})
}

// auditActor is who acts in a request, from its identity.
func auditActor(ctx context.Context) audit.Actor {
	id, ok := auth.IdentityFrom(ctx)
	if !ok {
		return audit.Actor{Kind: audit.ActorAnonymous}
	}
	return audit.Actor{Ref: id.Principal(), Kind: string(id.Kind)}
}

// recordPolicy puts the policy in the audit log when it differs from the
// one recorded last: a changed policy is a change like any other.
func recordPolicy(ctx context.Context, log *audit.Log, policy *permission.Policy) error {
	_, err := log.RecordChange(ctx, "permission.policy.change", "permission", policy.View())
	return err
}

// pageAuthz gives the UI the same permission checks as the REST API: pages
// read the catalog as the reader may see it, and writes are decided, with
// refusals in the audit log.
type pageAuthz struct {
	policy *permission.Policy
	query  *catalog.Query
	audit  *audit.Log
	log    *slog.Logger
}

// readerFor is web.Options.ReaderFor.
func (p pageAuthz) readerFor(ctx context.Context) (web.CatalogReader, error) {
	u := httpapi.UserOf(ctx)
	d, err := p.policy.DecideName(ctx, u, catalog.PermissionEntityRead, "")
	if err != nil {
		return nil, err
	}
	switch d.Result {
	case permission.Allow:
		return p.query, nil
	case permission.Conditional:
		raw, err := json.Marshal(d.Conditions)
		if err != nil {
			return nil, err
		}
		view, err := p.query.RestrictConditions(raw)
		if err != nil {
			return nil, fmt.Errorf("conditions of rule %s: %w", d.Rule, err)
		}
		return view, nil
	}
	p.deny(ctx, catalog.PermissionEntityRead, "", d.Rule)
	return p.query.Restrict(catalog.MatchNothing()), nil
}

// authorize is web.Options.Authorize.
func (p pageAuthz) authorize(ctx context.Context, name, resourceRef string) error {
	d, err := p.policy.DecideName(ctx, httpapi.UserOf(ctx), name, resourceRef)
	if err != nil {
		return err
	}
	if d.Result == permission.Allow {
		return nil
	}
	p.deny(ctx, name, resourceRef, d.Rule)
	return problem.NotAllowed("You are not allowed to do this (%s).", name)
}

func (p pageAuthz) deny(ctx context.Context, name, target, rule string) {
	// This event says it all; the middleware need not add its own.
	audit.Handled(ctx)
	if target == "" {
		if r, ok := audit.RequestFrom(ctx); ok {
			target = r.Path
		}
	}
	e := audit.Event{Action: name, Target: target, Outcome: audit.OutcomeDenied, Rule: rule}
	if err := p.audit.Record(context.WithoutCancel(ctx), e); err != nil {
		p.log.ErrorContext(ctx, "record audit event", slog.String("action", name), slog.Any("error", err))
	}
}

// policyExplainer answers the permissions page's questions with the
// policy and the catalog, as a request from that user would be decided.
type policyExplainer struct {
	policy *permission.Policy
	users  catalogUsers
}

var _ web.PolicyExplainer = policyExplainer{}

func (e policyExplainer) View() permission.PolicyView { return e.policy.View() }

func (e policyExplainer) PermissionNames() []string {
	var names []string
	for _, d := range e.policy.Definitions().All() {
		names = append(names, d.Name)
	}
	return names
}

// Explain decides q for the user as the catalog knows them.
func (e policyExplainer) Explain(ctx context.Context, q web.ExplainQuery) (*web.Explanation, error) {
	ref, err := entity.ParseRef(q.User, entity.RefDefaults{Kind: "user"})
	if err != nil {
		return nil, problem.Input("User: %v", err)
	}
	x := &web.Explanation{User: ref.String(), Ownership: []string{ref.String()}}
	user, err := e.users.UserByRef(ctx, x.User)
	if err != nil {
		return nil, err
	}
	if user != nil {
		x.InCatalog = true
		if x.Ownership, err = auth.Ownership(ctx, e.users, user); err != nil {
			return nil, err
		}
	}
	def, known := e.policy.Definitions().Lookup(q.Permission)
	x.Permission, x.Known = def.Permission, known
	if !known {
		x.Permission = permission.Permission{Name: q.Permission, Type: permission.TypeBasic}
	}
	if q.Entity != "" {
		er, err := entity.ParseRef(q.Entity, entity.RefDefaults{})
		if err != nil {
			return nil, problem.Input("Entity: %v", err)
		}
		switch {
		case !x.Permission.IsResource():
			x.Note = "The entity was not used: " + q.Permission + " is not a permission on an entity."
		default:
			x.Entity = er.String()
			if _, err := e.users.q.EntityByRef(ctx, er); problem.Is(err, problem.NotFoundError) {
				x.Note = "No entity has this ref, so conditions cannot hold for it."
			} else if err != nil {
				return nil, err
			}
		}
	}
	d, err := e.policy.Decide(ctx, permission.User{Ref: x.User, Ownership: x.Ownership}, x.Permission, x.Entity)
	if err != nil {
		return nil, err
	}
	x.Result, x.Rule = d.Result, d.Rule
	if d.Conditions != nil {
		b, err := json.Marshal(d.Conditions)
		if err != nil {
			return nil, err
		}
		x.Conditions = string(b)
	}
	return x, nil
}
