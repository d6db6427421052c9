package permission

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
)

// ResourceTypeEntity is the catalog's resource type; its resource refs are
// canonical entity refs.
const ResourceTypeEntity = "catalog-entity"

// The catalog's permission rules, named as Backstage names them.
const (
	RuleIsEntityOwner = "IS_ENTITY_OWNER"
	RuleIsEntityKind  = "IS_ENTITY_KIND"
	RuleHasAnnotation = "HAS_ANNOTATION"
	RuleHasLabel      = "HAS_LABEL"
	RuleHasMetadata   = "HAS_METADATA"
	RuleHasSpec       = "HAS_SPEC"
)

// conditionKind is a condition name usable in config and the rule it
// stands for.
type conditionKind struct {
	name         string // isEntityOwner
	rule         string // IS_ENTITY_OWNER
	resourceType string
	// key is the parameter naming the field for the has* rules; "" for
	// the others.
	key string
}

var conditionKinds = []conditionKind{
	{"isEntityOwner", RuleIsEntityOwner, ResourceTypeEntity, ""},
	{"isEntityKind", RuleIsEntityKind, ResourceTypeEntity, ""},
	{"hasAnnotation", RuleHasAnnotation, ResourceTypeEntity, "annotation"},
	{"hasLabel", RuleHasLabel, ResourceTypeEntity, "label"},
	{"hasMetadata", RuleHasMetadata, ResourceTypeEntity, "key"},
	{"hasSpec", RuleHasSpec, ResourceTypeEntity, "key"},
}

func conditionKindNamed(name string) (conditionKind, bool) {
	for _, k := range conditionKinds {
		if k.name == name || k.rule == name {
			return k, true
		}
	}
	return conditionKind{}, false
}

// condition is a rule's conditions as configured; criteria instantiates
// them for one user.
type condition struct {
	allOf, anyOf []condition
	not          *condition
	kind         conditionKind
	params       map[string]any
	// ownClaims: isEntityOwner without claims, which means the user's
	// ownership refs.
	ownClaims bool
}

// criteria returns the conditions for u.
func (c *condition) criteria(u User) Criteria {
	switch {
	case c.allOf != nil:
		return Criteria{AllOf: criteriaList(c.allOf, u)}
	case c.anyOf != nil:
		return Criteria{AnyOf: criteriaList(c.anyOf, u)}
	case c.not != nil:
		n := c.not.criteria(u)
		return Criteria{Not: &n}
	}
	params := c.params
	if c.ownClaims {
		claims := make([]any, 0, len(u.Ownership)+1)
		if u.Ref != "" && !slices.Contains(u.Ownership, u.Ref) {
			claims = append(claims, u.Ref)
		}
		for _, r := range u.Ownership {
			claims = append(claims, r)
		}
		params = map[string]any{"claims": claims}
	}
	return Criteria{Rule: c.kind.rule, ResourceType: c.kind.resourceType, Params: params}
}

func criteriaList(cs []condition, u User) []Criteria {
	out := make([]Criteria, len(cs))
	for i := range cs {
		out[i] = cs[i].criteria(u)
	}
	return out
}

// resourceType returns the resource type of the condition's rules; they
// must all share one.
func (c *condition) resourceType() (string, error) {
	var types []string
	c.walk(func(l *condition) { types = append(types, l.kind.resourceType) })
	slices.Sort(types)
	types = slices.Compact(types)
	if len(types) != 1 {
		return "", fmt.Errorf("conditions mix resource types %s", strings.Join(types, ", "))
	}
	return types[0], nil
}

// walk calls fn for every leaf.
func (c *condition) walk(fn func(*condition)) {
	for i := range c.allOf {
		c.allOf[i].walk(fn)
	}
	for i := range c.anyOf {
		c.anyOf[i].walk(fn)
	}
	if c.not != nil {
		c.not.walk(fn)
	}
	if c.kind.rule != "" {
		fn(c)
	}
}

// parseCondition reads configured conditions: an object with one key,
// allOf / anyOf (lists), not, a condition name (isEntityOwner ...) with
// its parameters, or Backstage's {rule, resourceType?, params} form.
func parseCondition(v any, path string) (condition, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return condition{}, fmt.Errorf("%s: expected an object, got %s", path, describe(v))
	}
	if rule, ok := m["rule"]; ok {
		return parseRuleForm(m, rule, path)
	}
	if len(m) != 1 {
		return condition{}, fmt.Errorf("%s: expected exactly one of allOf, anyOf, not or a condition (%s), got %s",
			path, conditionNames(), keyList(m))
	}
	for key, val := range m {
		switch key {
		case "allOf", "anyOf":
			items, ok := val.([]any)
			if !ok || len(items) == 0 {
				return condition{}, fmt.Errorf("%s.%s: expected a non-empty list", path, key)
			}
			list := make([]condition, len(items))
			for i, item := range items {
				c, err := parseCondition(item, fmt.Sprintf("%s.%s[%d]", path, key, i))
				if err != nil {
					return condition{}, err
				}
				list[i] = c
			}
			if key == "allOf" {
				return condition{allOf: list}, nil
			}
			return condition{anyOf: list}, nil
		case "not":
			c, err := parseCondition(val, path+".not")
			if err != nil {
				return condition{}, err
			}
			return condition{not: &c}, nil
		}
		kind, ok := conditionKindNamed(key)
		if !ok || kind.name != key {
			return condition{}, fmt.Errorf("%s: unknown condition %q (known: allOf, anyOf, not, %s)", path, key, conditionNames())
		}
		return leafCondition(kind, val, path+"."+key)
	}
	panic("unreachable")
}

// parseRuleForm reads {rule: IS_ENTITY_KIND, resourceType?, params?}.
func parseRuleForm(m map[string]any, rule any, path string) (condition, error) {
	name, _ := rule.(string)
	kind, ok := conditionKindNamed(name)
	if !ok || kind.rule != name {
		return condition{}, fmt.Errorf("%s.rule: unknown rule %s", path, describe(rule))
	}
	for k, v := range m {
		switch k {
		case "rule", "params":
		case "resourceType":
			if v != kind.resourceType {
				return condition{}, fmt.Errorf("%s.resourceType: rule %s applies to %s, not %s", path, name, kind.resourceType, describe(v))
			}
		default:
			return condition{}, fmt.Errorf("%s: unknown key %q", path, k)
		}
	}
	return leafCondition(kind, m["params"], path+".params")
}

// leafCondition checks a condition's parameters and normalises them.
func leafCondition(kind conditionKind, v any, path string) (condition, error) {
	var params map[string]any
	switch p := v.(type) {
	case nil:
		params = map[string]any{}
	case map[string]any:
		params = p
	default:
		return condition{}, fmt.Errorf("%s: expected an object of parameters, got %s", path, describe(v))
	}
	c := condition{kind: kind}
	switch kind.rule {
	case RuleIsEntityOwner:
		if err := onlyKeys(params, path, "claims"); err != nil {
			return c, err
		}
		raw, ok := params["claims"]
		if !ok {
			c.ownClaims = true
			return c, nil
		}
		claims, err := stringList(raw, path+".claims")
		if err != nil {
			return c, err
		}
		out := make([]any, len(claims))
		for i, s := range claims {
			ref, err := entity.ParseRef(s, entity.RefDefaults{Kind: "group"})
			if err != nil {
				return c, fmt.Errorf("%s.claims[%d]: %v", path, i, err)
			}
			out[i] = ref.String()
		}
		c.params = map[string]any{"claims": out}
	case RuleIsEntityKind:
		if err := onlyKeys(params, path, "kinds"); err != nil {
			return c, err
		}
		kinds, err := stringList(params["kinds"], path+".kinds")
		if err != nil {
			return c, err
		}
		out := make([]any, len(kinds))
		for i, k := range kinds {
			out[i] = k
		}
		c.params = map[string]any{"kinds": out}
	default:
		if err := onlyKeys(params, path, kind.key, "value"); err != nil {
			return c, err
		}
		key, ok := params[kind.key].(string)
		if !ok || key == "" {
			return c, fmt.Errorf("%s.%s: expected a non-empty string", path, kind.key)
		}
		c.params = map[string]any{kind.key: key}
		if v, ok := params["value"]; ok {
			s, err := scalarString(v, path+".value")
			if err != nil {
				return c, err
			}
			c.params["value"] = s
		}
	}
	return c, nil
}

func onlyKeys(m map[string]any, path string, allowed ...string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%s: unknown parameter %q (expected %s)", path, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func stringList(v any, path string) ([]string, error) {
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		return nil, fmt.Errorf("%s: expected a non-empty list of strings", path)
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s[%d]: expected a non-empty string, got %s", path, i, describe(item))
		}
		out[i] = s
	}
	return out, nil
}

// scalarString reads a parameter value; YAML writes `value: true` as a
// boolean, which means the text "true" here.
func scalarString(v any, path string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("%s: expected a string, got %s", path, describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}

func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "an empty object"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, strconv.Quote(k))
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

func conditionNames() string {
	names := make([]string, len(conditionKinds))
	for i, k := range conditionKinds {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

var errNoConditions = errors.New("decision conditional needs conditions")
