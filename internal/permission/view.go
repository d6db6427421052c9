package permission

import "encoding/json"

// PolicyView is the policy as configured, for the admin page.
type PolicyView struct {
	Enabled bool
	Admins  []string
	Rules   []RuleView
}

// RuleView is one compiled rule, for display.
type RuleView struct {
	Name         string
	Permission   string
	Action       string
	ResourceType string
	Users        []string // canonical refs
	Groups       []string // canonical refs
	When         string
	Decision     string
	// Conditions is the criteria in Backstage's JSON form, with the claims
	// of an isEntityOwner without claims shown as OwnershipPlaceholder.
	Conditions string
}

// OwnershipPlaceholder stands for the user's ownership refs in a
// RuleView's conditions.
const OwnershipPlaceholder = "(the user's ownership refs)"

// View describes the policy.
func (p *Policy) View() PolicyView {
	v := PolicyView{Enabled: p.enabled, Admins: append([]string{}, p.admins...)}
	for _, r := range p.rules {
		rv := RuleView{
			Name:         r.name,
			Permission:   r.cfg.Permission,
			Action:       r.cfg.Action,
			ResourceType: r.cfg.ResourceType,
			Users:        r.users,
			Groups:       r.groups,
			When:         r.cfg.When,
			Decision:     r.cfg.Decision,
		}
		if r.cond != nil {
			c := r.cond.criteria(User{})
			r.cond.walkCriteria(&c)
			if b, err := json.Marshal(c); err == nil {
				rv.Conditions = string(b)
			}
		}
		v.Rules = append(v.Rules, rv)
	}
	return v
}

// walkCriteria replaces the empty claims that criteria(User{}) gives an
// isEntityOwner without claims by OwnershipPlaceholder; c mirrors the
// condition tree.
func (cd *condition) walkCriteria(c *Criteria) {
	switch {
	case cd.allOf != nil:
		for i := range cd.allOf {
			cd.allOf[i].walkCriteria(&c.AllOf[i])
		}
	case cd.anyOf != nil:
		for i := range cd.anyOf {
			cd.anyOf[i].walkCriteria(&c.AnyOf[i])
		}
	case cd.not != nil:
		cd.not.walkCriteria(c.Not)
	case cd.ownClaims:
		c.Params = map[string]any{"claims": []any{OwnershipPlaceholder}}
	}
}
