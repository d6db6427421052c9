package permission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"

	"github.com/callboard/callboard/entity"
)

// ConditionApplier checks a conditional decision's criteria, in their JSON
// wire form, against one resource of its resource type: the owning
// plugin's apply-conditions. A missing resource does not meet them.
// *catalog.Query is the applier for catalog-entity.
type ConditionApplier interface {
	ApplyConditions(ctx context.Context, resourceRef string, conditions json.RawMessage) (bool, error)
}

// Options configure a Policy.
type Options struct {
	Config      Config
	Definitions *Definitions
	// Appliers resolve conditional decisions about one resource, by
	// resource type. Without one, such a decision is returned as
	// CONDITIONAL.
	Appliers map[string]ConditionApplier
	Logger   *slog.Logger
}

// Policy decides permissions. It is built once from configuration and is
// safe for concurrent use.
type Policy struct {
	enabled  bool
	admins   []string
	rules    []*rule
	defs     *Definitions
	appliers map[string]ConditionApplier
	log      *slog.Logger
}

// rule is a compiled RuleConfig.
type rule struct {
	cfg          RuleConfig
	name         string
	exact        string // permission name, or "" for a glob
	glob         string
	users        []string
	groups       []string
	when         *whenExpr
	result       Result
	cond         *condition
	resourceType string // of the conditions
}

// NewPolicy compiles the configuration. Every mistake (a bad glob, ref,
// decision, condition or CEL expression) is an error naming its rule.
func NewPolicy(o Options) (*Policy, error) {
	if o.Definitions == nil {
		return nil, errors.New("permission: no definitions")
	}
	p := &Policy{enabled: o.Config.Enabled == nil || *o.Config.Enabled, defs: o.Definitions, appliers: o.Appliers, log: o.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	for i, a := range o.Config.Admins {
		ref, err := parseKindedRef(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("permission.admins[%d]: %v", i, err))
			continue
		}
		p.admins = append(p.admins, ref)
	}
	env, err := whenEnv()
	if err != nil {
		return nil, fmt.Errorf("permission: CEL environment: %w", err)
	}
	names := map[string]int{}
	for i, rc := range o.Config.Rules {
		r, err := compileRule(env, rc, i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if j, dup := names[r.name]; dup {
			errs = append(errs, fmt.Errorf("permission.rules[%d]: name %q is already used by rules[%d]", i, r.name, j))
			continue
		}
		names[r.name] = i
		p.rules = append(p.rules, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func compileRule(env *cel.Env, rc RuleConfig, i int) (*rule, error) {
	r := &rule{cfg: rc, name: rc.Name}
	if r.name == "" {
		r.name = fmt.Sprintf("rules[%d]", i)
	}
	fail := func(format string, args ...any) error {
		where := fmt.Sprintf("permission.rules[%d]", i)
		if rc.Name != "" {
			where += fmt.Sprintf(" (%s)", rc.Name)
		}
		return fmt.Errorf(where+": "+format, args...)
	}
	switch {
	case rc.Permission == "":
		return nil, fail("permission is required (a name, or a glob such as \"catalog.*\" or \"*\")")
	case strings.ContainsAny(rc.Permission, "*?["):
		if _, err := path.Match(rc.Permission, ""); err != nil {
			return nil, fail("permission %q is not a valid glob", rc.Permission)
		}
		r.glob = rc.Permission
	default:
		r.exact = rc.Permission
	}
	switch rc.Action {
	case "", ActionCreate, ActionRead, ActionUpdate, ActionDelete:
	default:
		return nil, fail("action must be create, read, update or delete, not %q", rc.Action)
	}
	for j, u := range rc.Users {
		ref, err := entity.ParseRef(u, entity.RefDefaults{Kind: "user"})
		if err != nil {
			return nil, fail("users[%d]: %v", j, err)
		}
		r.users = append(r.users, ref.String())
	}
	for j, g := range rc.Groups {
		ref, err := entity.ParseRef(g, entity.RefDefaults{Kind: "group"})
		if err != nil {
			return nil, fail("groups[%d]: %v", j, err)
		}
		r.groups = append(r.groups, ref.String())
	}
	if strings.TrimSpace(rc.When) != "" {
		w, err := compileWhen(env, rc.When)
		if err != nil {
			return nil, fail("when: %v", err)
		}
		r.when = w
	}
	switch rc.Decision {
	case "allow":
		r.result = Allow
	case "deny":
		r.result = Deny
	case "conditional":
		r.result = Conditional
	default:
		return nil, fail("decision must be allow, deny or conditional, not %q", rc.Decision)
	}
	if r.result != Conditional {
		if rc.Conditions != nil {
			return nil, fail("conditions belong to decision conditional")
		}
		return r, nil
	}
	if rc.Conditions == nil {
		return nil, fail("%v", errNoConditions)
	}
	c, err := parseCondition(rc.Conditions, "conditions")
	if err != nil {
		return nil, fail("%v", err)
	}
	if r.resourceType, err = c.resourceType(); err != nil {
		return nil, fail("%v", err)
	}
	if rc.ResourceType != "" && rc.ResourceType != r.resourceType {
		return nil, fail("resourceType %q does not match the conditions' resource type %q", rc.ResourceType, r.resourceType)
	}
	r.cond = &c
	return r, nil
}

// parseKindedRef parses a user or group ref; the kind must be written.
func parseKindedRef(s string) (string, error) {
	ref, err := entity.ParseRef(s, entity.RefDefaults{})
	if err != nil {
		return "", err
	}
	if k := strings.ToLower(ref.Kind); k != "user" && k != "group" {
		return "", fmt.Errorf("%q must be a user or group ref", s)
	}
	return ref.String(), nil
}

// Enabled reports whether the policy is enforced at all.
func (p *Policy) Enabled() bool { return p.enabled }

// Definitions returns the known permissions.
func (p *Policy) Definitions() *Definitions { return p.defs }

// IsAdmin reports whether u is one of permission.admins or a member of
// one of its groups.
func (p *Policy) IsAdmin(u User) bool {
	if !u.signedIn() {
		return false
	}
	for _, a := range p.admins {
		if u.owns(a) {
			return true
		}
	}
	return false
}

// Decide answers whether u holds perm, optionally for one resource.
//
// Without resourceRef a resource permission may be CONDITIONAL; the
// criteria then carry the user's claims and the caller turns them into a
// filter. With resourceRef a conditional outcome is resolved by the
// resource type's ConditionApplier into ALLOW or DENY.
//
// The order: permission.enabled false allows everything, as in Backstage;
// service principals skip the policy (Backstage's rule) but are held to
// their token's access restrictions; callers that are not signed in are
// denied; then the first matching rule decides; else the default: admin
// permissions for admins, the other known permissions for every signed-in
// user, unknown permissions for nobody.
func (p *Policy) Decide(ctx context.Context, u User, perm Permission, resourceRef string) (Decision, error) {
	d, err := p.decide(ctx, u, perm)
	if err != nil || d.Result != Conditional || resourceRef == "" {
		return d, err
	}
	applier := p.appliers[d.ResourceType]
	if applier == nil {
		return d, nil
	}
	conditions, err := json.Marshal(d.Conditions)
	if err != nil {
		return Decision{}, fmt.Errorf("encode conditions of %s: %w", perm.Name, err)
	}
	ok, err := applier.ApplyConditions(ctx, resourceRef, conditions)
	if err != nil {
		return Decision{}, fmt.Errorf("apply conditions of %s to %s: %w", perm.Name, resourceRef, err)
	}
	res := Decision{Result: Deny, Rule: d.Rule}
	if ok {
		res.Result = Allow
	}
	return res, nil
}

// DecideName is Decide for a known permission named by name.
func (p *Policy) DecideName(ctx context.Context, u User, name, resourceRef string) (Decision, error) {
	def, ok := p.defs.Lookup(name)
	if !ok {
		return Decision{}, fmt.Errorf("permission: unknown permission %s", name)
	}
	return p.Decide(ctx, u, def.Permission, resourceRef)
}

func (p *Policy) decide(ctx context.Context, u User, perm Permission) (Decision, error) {
	if !p.enabled {
		return Decision{Result: Allow, Rule: RuleDisabled}, nil
	}
	if u.Service != "" && !u.signedIn() {
		if p.restrictionsAllow(u, perm) {
			return Decision{Result: Allow, Rule: RuleService}, nil
		}
		return Decision{Result: Deny, Rule: RuleServiceRestricted}, nil
	}
	if !u.signedIn() {
		return Decision{Result: Deny, Rule: RuleAnonymous}, nil
	}
	var vars map[string]any
	for _, r := range p.rules {
		if !r.matches(u, perm) {
			continue
		}
		if r.when != nil {
			if vars == nil {
				vars = p.celVars(u, perm)
			}
			ok, err := r.when.eval(vars)
			if err != nil {
				return Decision{}, fmt.Errorf("permission rule %s: when: %w", r.name, err)
			}
			if !ok {
				continue
			}
		}
		d := Decision{Result: r.result, Rule: r.name}
		if r.result == Conditional {
			c := r.cond.criteria(u)
			d.Conditions = &c
			d.ResourceType = r.resourceType
			d.PluginID = p.pluginOf(perm.Name)
		}
		return d, nil
	}
	def, known := p.defs.Lookup(perm.Name)
	switch {
	case !known:
		return Decision{Result: Deny, Rule: RuleDefaultUnknown}, nil
	case def.Default == AudienceAdmins && p.IsAdmin(u):
		return Decision{Result: Allow, Rule: RuleDefaultAdmin}, nil
	case def.Default == AudienceAdmins:
		return Decision{Result: Deny, Rule: RuleDefaultNotAdmin}, nil
	}
	return Decision{Result: Allow, Rule: RuleDefaultUser}, nil
}

// matches tests everything but the when expression.
func (r *rule) matches(u User, perm Permission) bool {
	if r.exact != "" {
		if r.exact != perm.Name {
			return false
		}
	} else if ok, _ := path.Match(r.glob, perm.Name); !ok {
		return false
	}
	if r.cfg.Action != "" && r.cfg.Action != perm.Action {
		return false
	}
	if r.cfg.ResourceType != "" && r.cfg.ResourceType != perm.ResourceType {
		return false
	}
	// Conditions only make sense for resources of their type.
	if r.result == Conditional && (!perm.IsResource() || perm.ResourceType != r.resourceType) {
		return false
	}
	if len(r.users) == 0 && len(r.groups) == 0 {
		return true
	}
	if slices.Contains(r.users, u.Ref) {
		return true
	}
	for _, g := range r.groups {
		if u.owns(g) {
			return true
		}
	}
	return false
}

func (p *Policy) celVars(u User, perm Permission) map[string]any {
	ownership := u.Ownership
	if ownership == nil {
		ownership = []string{}
	}
	return map[string]any{
		"user": &celUser{Ref: u.Ref, Ownership: ownership, Admin: p.IsAdmin(u), Service: u.Service},
		"permission": &celPermission{
			Name:         perm.Name,
			Type:         perm.Type,
			Action:       perm.Action,
			ResourceType: perm.ResourceType,
			PluginID:     p.pluginOf(perm.Name),
		},
	}
}

// pluginOf names the plugin owning a permission: from its definition, else
// the first part of the name.
func (p *Policy) pluginOf(name string) string {
	if def, ok := p.defs.Lookup(name); ok {
		return def.PluginID
	}
	id, _, _ := strings.Cut(name, ".")
	return id
}

// restrictionsAllow applies a service token's access restrictions.
func (p *Policy) restrictionsAllow(u User, perm Permission) bool {
	if u.Restrictions == nil {
		return true
	}
	plugin := p.pluginOf(perm.Name)
	for _, r := range u.Restrictions {
		if r.Plugin != plugin {
			continue
		}
		if len(r.Permissions) > 0 && !slices.Contains(r.Permissions, perm.Name) {
			continue
		}
		if len(r.Actions) > 0 && !slices.Contains(r.Actions, perm.Action) {
			continue
		}
		return true
	}
	return false
}
