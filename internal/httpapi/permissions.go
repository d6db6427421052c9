package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
)

// permissionMount is where the permission backend's routes live.
const permissionMount = "/api/permission"

// errResourceRefRequired is Backstage's answer to a user asking about a
// resource permission without naming the resource.
var errResourceRefRequired = problem.Input("Resource permissions require a resourceRef to be set. Direct user requests without a resourceRef are not allowed.")

// wirePermission is a permission as the permission framework writes it.
type wirePermission struct {
	Type         string            `json:"type"`
	Name         string            `json:"name"`
	Attributes   map[string]string `json:"attributes"`
	ResourceType string            `json:"resourceType,omitempty"`
}

func toWire(p permission.Permission) wirePermission {
	w := wirePermission{Type: p.Type, Name: p.Name, Attributes: map[string]string{}, ResourceType: p.ResourceType}
	if p.Action != "" {
		w.Attributes["action"] = p.Action
	}
	return w
}

// authorizeItem is one question of POST /api/permission/authorize.
type authorizeItem struct {
	ID          string          `json:"id"`
	Permission  *wirePermission `json:"permission"`
	ResourceRef json.RawMessage `json:"resourceRef"`
}

// authorizeAnswer is one answer; Result is a string, or an array for an
// array of resource refs.
type authorizeAnswer struct {
	ID           string               `json:"id"`
	Result       any                  `json:"result"`
	PluginID     string               `json:"pluginId,omitempty"`
	ResourceType string               `json:"resourceType,omitempty"`
	Conditions   *permission.Criteria `json:"conditions,omitempty"`
}

// readItems reads the {"items": [...]} body both permission endpoints
// take; items must be an array.
func readItems[T any](r *http.Request) ([]T, error) {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return nil, err
	}
	var body struct {
		Items []T `json:"items"`
	}
	if err := decodeBody(b, members, &body, false, "items"); err != nil {
		return nil, err
	}
	if body.Items == nil {
		return nil, problem.Input("Malformed request: property %q must be an array", "items")
	}
	return body.Items, nil
}

// refsAnswer answers an item that named resources: an array of results
// when it named an array of refs, else the one result.
func refsAnswer(id string, results []permission.Result, many bool) authorizeAnswer {
	if many {
		return authorizeAnswer{ID: id, Result: results}
	}
	return authorizeAnswer{ID: id, Result: results[0]}
}

// writeAnswers writes the {"items": [...]} answer of both permission
// endpoints.
func writeAnswers(w http.ResponseWriter, out []authorizeAnswer) error {
	return writeJSON(w, http.StatusOK, struct {
		Items []authorizeAnswer `json:"items"`
	}{out})
}

// authorize is POST /api/permission/authorize in Backstage's wire format:
// each item is decided for the caller; a conditional decision about named
// resources is resolved against them (ALLOW or DENY each), one about no
// resource is returned with its conditions. Users must name the resource
// of a resource permission.
func (s *server) authorize(w http.ResponseWriter, r *http.Request) error {
	items, err := readItems[authorizeItem](r)
	if err != nil {
		return err
	}
	u := UserOf(r.Context())
	out := make([]authorizeAnswer, 0, len(items))
	for i, item := range items {
		perm, err := checkWirePermission(item, i)
		if err != nil {
			return err
		}
		refs, many, err := resourceRefs(item.ResourceRef, i)
		if err != nil {
			return err
		}
		if perm.IsResource() && refs == nil && u.Service == "" {
			return errResourceRefRequired
		}
		if refs == nil {
			d, err := s.decidePermission(r.Context(), u, perm, "")
			if err != nil {
				return err
			}
			a := authorizeAnswer{ID: item.ID, Result: d.Result}
			if d.Result == permission.Conditional {
				a.PluginID, a.ResourceType, a.Conditions = d.PluginID, d.ResourceType, d.Conditions
			}
			out = append(out, a)
			continue
		}
		results := make([]permission.Result, len(refs))
		for j, ref := range refs {
			d, err := s.decidePermission(r.Context(), u, perm, ref)
			if err != nil {
				return err
			}
			if d.Result == permission.Conditional {
				// No applier resolved it: apply the catalog's rules here.
				d.Result = permission.Deny
				if d.ResourceType == catalog.ResourceTypeEntity {
					if ok, err := s.applyEntityConditions(r.Context(), ref, d.Conditions); err != nil {
						return err
					} else if ok {
						d.Result = permission.Allow
					}
				}
			}
			results[j] = d.Result
		}
		out = append(out, refsAnswer(item.ID, results, many))
	}
	return writeAnswers(w, out)
}

// decidePermission asks the policy about any permission, known or not.
func (s *server) decidePermission(ctx context.Context, u permission.User, perm permission.Permission, ref string) (permission.Decision, error) {
	if s.authz == nil {
		return permission.Decision{Result: permission.Allow, Rule: RuleNoPolicy}, nil
	}
	return s.authz.Decide(ctx, u, perm, ref)
}

func checkWirePermission(item authorizeItem, i int) (permission.Permission, error) {
	p := item.Permission
	switch {
	case item.ID == "":
		return permission.Permission{}, problem.Input("Malformed request: items[%d].id must be a non-empty string", i)
	case p == nil || p.Name == "":
		return permission.Permission{}, problem.Input("Malformed request: items[%d].permission.name must be a non-empty string", i)
	case p.Type != permission.TypeBasic && p.Type != permission.TypeResource:
		return permission.Permission{}, problem.Input(`Malformed request: items[%d].permission.type must be "basic" or "resource"`, i)
	case p.Type == permission.TypeResource && p.ResourceType == "":
		return permission.Permission{}, problem.Input("Malformed request: items[%d].permission.resourceType is required for a resource permission", i)
	}
	action := p.Attributes["action"]
	switch action {
	case "", permission.ActionCreate, permission.ActionRead, permission.ActionUpdate, permission.ActionDelete:
	default:
		return permission.Permission{}, problem.Input("Malformed request: items[%d].permission.attributes.action must be create, read, update or delete", i)
	}
	return permission.Permission{Name: p.Name, Type: p.Type, Action: action, ResourceType: p.ResourceType}, nil
}

// resourceRefs reads a resourceRef member: absent (nil), a string, or an
// array of strings (many).
func resourceRefs(raw json.RawMessage, i int) (refs []string, many bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, false, nil
	}
	if err := json.Unmarshal(raw, &refs); err != nil || len(refs) == 0 {
		return nil, false, problem.Input("Malformed request: items[%d].resourceRef must be a string or a non-empty array of strings", i)
	}
	return refs, true, nil
}

// conditionApplier checks conditions against one entity; *catalog.Query
// is one.
type conditionApplier interface {
	ApplyConditions(ctx context.Context, resourceRef string, conditions json.RawMessage) (bool, error)
}

var _ conditionApplier = (*catalog.Query)(nil)

// applyEntityConditions checks criteria against the entity with ref.
func (s *server) applyEntityConditions(ctx context.Context, ref string, c any) (bool, error) {
	applier, ok := s.reader.(conditionApplier)
	if !ok {
		return false, nil
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	return applier.ApplyConditions(ctx, ref, raw)
}

// permissionMetadata is GET /api/catalog/.well-known/backstage/permissions/metadata:
// the catalog's permissions and rules.
func (s *server) permissionMetadata(w http.ResponseWriter, r *http.Request) error {
	perms := []wirePermission{}
	for _, p := range catalog.Permissions() {
		perms = append(perms, toWire(permission.Permission{Name: p.Name, Type: p.Type, Action: p.Action, ResourceType: p.ResourceType}))
	}
	return writeJSON(w, http.StatusOK, struct {
		Permissions []wirePermission         `json:"permissions"`
		Rules       []catalog.PermissionRule `json:"rules"`
	}{perms, catalog.PermissionRules()})
}

// applyConditionsItem is one item of apply-conditions.
type applyConditionsItem struct {
	ID           string          `json:"id"`
	ResourceRef  json.RawMessage `json:"resourceRef"`
	ResourceType string          `json:"resourceType"`
	Conditions   json.RawMessage `json:"conditions"`
}

// applyConditions is POST /api/catalog/.well-known/backstage/permissions/apply-conditions:
// the permission backend asks whether entities meet a conditional
// decision's criteria. It answers services (and admins, for checking a
// policy by hand): it tells whether an entity matches arbitrary criteria,
// so a user could otherwise probe entities they may not read.
func (s *server) applyConditions(w http.ResponseWriter, r *http.Request) error {
	if u := UserOf(r.Context()); u.Service == "" && s.authz != nil {
		ok, err := s.allow(r, permission.CallboardAdmin, r.URL.Path)
		if err != nil {
			return err
		}
		if !ok {
			return problem.NotAllowed("This endpoint does not allow 'user' credentials")
		}
	}
	items, err := readItems[applyConditionsItem](r)
	if err != nil {
		return err
	}
	var unexpected []string
	for _, item := range items {
		if item.ResourceType != catalog.ResourceTypeEntity {
			unexpected = append(unexpected, item.ResourceType)
		}
	}
	if len(unexpected) > 0 {
		return problem.Input("Unexpected resource types: %s.", strings.Join(unexpected, ", "))
	}
	out := make([]authorizeAnswer, 0, len(items))
	for i, item := range items {
		if item.ID == "" {
			return problem.Input("Malformed request: items[%d].id must be a non-empty string", i)
		}
		refs, many, err := resourceRefs(item.ResourceRef, i)
		if err != nil {
			return err
		}
		if refs == nil {
			return problem.Input("Malformed request: items[%d].resourceRef is required", i)
		}
		filter, err := catalog.ConditionsPredicate(item.Conditions)
		if err != nil {
			return err
		}
		results := make([]permission.Result, len(refs))
		for j, ref := range refs {
			results[j] = permission.Deny
			if ok, err := s.entityMatches(r.Context(), ref, filter); err != nil {
				return err
			} else if ok {
				results[j] = permission.Allow
			}
		}
		out = append(out, refsAnswer(item.ID, results, many))
	}
	return writeAnswers(w, out)
}

// entityMatches reports whether the entity with ref exists and matches
// filter.
func (s *server) entityMatches(ctx context.Context, ref string, filter *catalog.Predicate) (bool, error) {
	parsed, err := entity.ParseRef(ref, entity.RefDefaults{})
	if err != nil {
		return false, nil
	}
	e, err := s.reader.EntityByRef(ctx, parsed)
	if problem.Is(err, problem.NotFoundError) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return catalog.MatchEntity(filter, e)
}
