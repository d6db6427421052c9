package permission

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Criteria are the conditions of a CONDITIONAL decision, in Backstage's
// wire form: exactly one of AllOf, AnyOf, Not or a rule (Rule,
// ResourceType, Params) is set.
type Criteria struct {
	AllOf []Criteria
	AnyOf []Criteria
	Not   *Criteria

	Rule         string
	ResourceType string
	Params       map[string]any
}

type criteriaJSON struct {
	AllOf        []Criteria     `json:"allOf,omitempty"`
	AnyOf        []Criteria     `json:"anyOf,omitempty"`
	Not          *Criteria      `json:"not,omitempty"`
	Rule         string         `json:"rule,omitempty"`
	ResourceType string         `json:"resourceType,omitempty"`
	Params       map[string]any `json:"params,omitempty"`
}

// MarshalJSON writes the one form that is set.
func (c Criteria) MarshalJSON() ([]byte, error) {
	switch {
	case c.AllOf != nil:
		return json.Marshal(struct {
			AllOf []Criteria `json:"allOf"`
		}{c.AllOf})
	case c.AnyOf != nil:
		return json.Marshal(struct {
			AnyOf []Criteria `json:"anyOf"`
		}{c.AnyOf})
	case c.Not != nil:
		return json.Marshal(struct {
			Not *Criteria `json:"not"`
		}{c.Not})
	}
	return json.Marshal(struct {
		Rule         string         `json:"rule"`
		ResourceType string         `json:"resourceType"`
		Params       map[string]any `json:"params,omitzero"`
	}{c.Rule, c.ResourceType, c.Params})
}

// UnmarshalJSON reads and checks the wire form: one form per object,
// allOf and anyOf not empty, a rule with its resource type.
func (c *Criteria) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return errors.New("criteria must be an object, not null")
	}
	var raw criteriaJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*c = Criteria(raw)
	return c.Validate()
}

// Validate checks the shape of c (not its rules' names or parameters):
// exactly one form per node, non-empty allOf and anyOf, rules with a
// resource type.
func (c *Criteria) Validate() error {
	forms := 0
	for _, set := range []bool{c.AllOf != nil, c.AnyOf != nil, c.Not != nil, c.Rule != ""} {
		if set {
			forms++
		}
	}
	switch {
	case c.Rule == "" && (c.ResourceType != "" || c.Params != nil):
		return errors.New(`"resourceType" and "params" belong with "rule"`)
	case forms != 1:
		return errors.New(`criteria must have exactly one of "allOf", "anyOf", "not" or "rule"`)
	case c.AllOf != nil && len(c.AllOf) == 0:
		return errors.New(`"allOf" must not be empty`)
	case c.AnyOf != nil && len(c.AnyOf) == 0:
		return errors.New(`"anyOf" must not be empty`)
	case c.Rule != "" && c.ResourceType == "":
		return fmt.Errorf("rule %s has no resourceType", c.Rule)
	}
	for _, list := range [][]Criteria{c.AllOf, c.AnyOf} {
		for i := range list {
			if err := list[i].Validate(); err != nil {
				return err
			}
		}
	}
	if c.Not != nil {
		return c.Not.Validate()
	}
	return nil
}
