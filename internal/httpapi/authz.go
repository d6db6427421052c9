package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
)

// Authorizer decides permissions; *permission.Policy implements it.
type Authorizer interface {
	Decide(ctx context.Context, u permission.User, perm permission.Permission, resourceRef string) (permission.Decision, error)
}

// AuditLog records writes and denials and reads them back; *audit.Log
// implements it.
type AuditLog interface {
	Record(ctx context.Context, e audit.Event) error
	Events(ctx context.Context, f audit.Filter, cursor string, limit int) (*audit.Page, error)
	Export(ctx context.Context, from, to time.Time, w io.Writer) error
}

// restrictable is a catalog reader that can make a view limited to the
// entities matching a permission filter; *catalog.Query is one.
type restrictable interface {
	Restrict(authz *catalog.Predicate) *catalog.Query
	RestrictConditions(conditions json.RawMessage) (*catalog.Query, error)
}

var (
	_ Authorizer   = (*permission.Policy)(nil)
	_ AuditLog     = (*audit.Log)(nil)
	_ restrictable = (*catalog.Query)(nil)
)

// RuleNoPolicy is Decision.Rule when the API runs without an Authorizer.
const RuleNoPolicy = "(no permission policy)"

// UserOf returns the permission framework's view of the identity in ctx:
// a user or guest with their ownership refs, a service with its access
// restrictions, or nobody.
func UserOf(ctx context.Context) permission.User {
	id, ok := auth.IdentityFrom(ctx)
	if !ok {
		return permission.User{}
	}
	if id.Kind == auth.KindService {
		u := permission.User{Service: id.Subject}
		if u.Service == "" {
			u.Service = "service"
		}
		if id.AccessRestrictions != nil {
			u.Restrictions = []permission.Restriction{}
			for _, r := range id.AccessRestrictions {
				u.Restrictions = append(u.Restrictions, permission.Restriction{
					Plugin: r.Plugin, Permissions: r.Permission, Actions: r.PermissionAttribute["action"],
				})
			}
		}
		return u
	}
	return permission.User{Ref: id.UserEntityRef, Ownership: id.OwnershipEntityRefs}
}

// knownPermissions is every permission the API checks, by name.
func knownPermissions() map[string]permission.Permission {
	m := map[string]permission.Permission{}
	for _, p := range catalog.Permissions() {
		m[p.Name] = permission.Permission{Name: p.Name, Type: p.Type, Action: p.Action, ResourceType: p.ResourceType}
	}
	for _, d := range permission.ScaffolderDefinitions() {
		m[d.Name] = d.Permission
	}
	for _, d := range permission.CallboardDefinitions() {
		m[d.Name] = d.Permission
	}
	return m
}

// decide asks the policy about a permission the API knows.
func (s *server) decide(r *http.Request, name string) (permission.Decision, error) {
	if s.authz == nil {
		return permission.Decision{Result: permission.Allow, Rule: RuleNoPolicy}, nil
	}
	perm, ok := s.perms[name]
	if !ok {
		return permission.Decision{}, fmt.Errorf("httpapi: unknown permission %s", name)
	}
	d, err := s.authz.Decide(r.Context(), UserOf(r.Context()), perm, "")
	if err != nil {
		return permission.Decision{}, fmt.Errorf("decide %s: %w", name, err)
	}
	return d, nil
}

// errNotAllowed is Backstage's answer to a refused write: a bare
// NotAllowedError, whose message is empty.
func errNotAllowed() error { return problem.NotAllowed("") }

// allow reports whether the caller holds a basic permission, recording a
// denial with target. A conditional answer to a basic permission cannot
// be applied to anything, so it refuses too.
func (s *server) allow(r *http.Request, name, target string) (bool, error) {
	d, err := s.decide(r, name)
	if err != nil {
		return false, err
	}
	if d.Result == permission.Allow {
		note(r).rule = d.Rule
		return true, nil
	}
	s.recordDenial(r, name, target, d.Rule)
	return false, nil
}

// require is allow for writes: a refusal is a 403 NotAllowedError.
func (s *server) require(r *http.Request, name, target string) error {
	ok, err := s.allow(r, name, target)
	if err != nil {
		return err
	}
	if !ok {
		return errNotAllowed()
	}
	return nil
}

// entityReader returns the catalog as the caller may read it
// (catalog.entity.read): all of it, the entities meeting the conditions of
// a conditional decision, or none (a denial, recorded).
func (s *server) entityReader(r *http.Request) (CatalogReader, error) {
	d, err := s.decide(r, catalog.PermissionEntityRead)
	if err != nil || d.Result == permission.Allow {
		return s.reader, err
	}
	rr, ok := s.reader.(restrictable)
	if !ok {
		return nil, fmt.Errorf("httpapi: the catalog reader %T cannot apply permission filters", s.reader)
	}
	if d.Result == permission.Conditional {
		if d.ResourceType != catalog.ResourceTypeEntity || d.Conditions == nil {
			return nil, fmt.Errorf("httpapi: conditions for resource type %q cannot filter catalog entities", d.ResourceType)
		}
		raw, err := json.Marshal(d.Conditions)
		if err != nil {
			return nil, err
		}
		view, err := rr.RestrictConditions(raw)
		if err != nil {
			return nil, fmt.Errorf("httpapi: conditions of rule %s: %w", d.Rule, err)
		}
		return view, nil
	}
	s.recordDenial(r, catalog.PermissionEntityRead, r.URL.Path, d.Rule)
	return rr.Restrict(catalog.MatchNothing()), nil
}

// conditionsFilter turns a conditional decision about catalog entities
// into a filter.
func conditionsFilter(d permission.Decision) (*catalog.Predicate, error) {
	if d.ResourceType != catalog.ResourceTypeEntity || d.Conditions == nil {
		return nil, fmt.Errorf("httpapi: conditions for resource type %q cannot filter catalog entities", d.ResourceType)
	}
	raw, err := json.Marshal(d.Conditions)
	if err != nil {
		return nil, err
	}
	p, err := catalog.ConditionsPredicate(raw)
	if err != nil {
		return nil, fmt.Errorf("httpapi: conditions of rule %s: %w", d.Rule, err)
	}
	return p, nil
}

// requireEntity checks a resource permission on one entity, refusing with
// 403 and recording the denial. load reads the entity (its final JSON; nil
// when there is none) only when a conditional decision needs it: such a
// decision holds only for an entity that meets its conditions, so it
// refuses a missing one, as Backstage does. target names the entity for
// the audit log, after load.
func (s *server) requireEntity(r *http.Request, name string, load func() (json.RawMessage, error), target func() string) error {
	d, err := s.decide(r, name)
	if err != nil {
		return err
	}
	ok := d.Result == permission.Allow
	if d.Result == permission.Conditional {
		e, err := load()
		if err != nil {
			return err
		}
		if e != nil {
			filter, err := conditionsFilter(d)
			if err != nil {
				return err
			}
			if ok, err = catalog.MatchEntity(filter, e); err != nil {
				return fmt.Errorf("check %s against %s: %w", name, target(), err)
			}
		}
	}
	if !ok {
		s.recordDenial(r, name, target(), d.Rule)
		return errNotAllowed()
	}
	note(r).rule = d.Rule
	return nil
}

// loadOnce memoises an entity load.
func loadOnce(load func() (json.RawMessage, error)) func() (json.RawMessage, error) {
	var (
		done bool
		e    json.RawMessage
		err  error
	)
	return func() (json.RawMessage, error) {
		if !done {
			done = true
			e, err = load()
		}
		return e, err
	}
}

// entityRefOf returns the canonical ref of an entity's JSON.
func entityRefOf(e json.RawMessage) (string, bool) {
	if e == nil {
		return "", false
	}
	var v entity.Entity
	if err := json.Unmarshal(e, &v); err != nil {
		return "", false
	}
	return v.Ref().String(), true
}
