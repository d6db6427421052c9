package entity

import (
	"encoding/json"

	"github.com/callboard/callboard/internal/jsonenc"
)

// entityFields are the JSON names of Entity's fields.
var entityFields = map[string]bool{
	"apiVersion": true, "kind": true, "metadata": true, "spec": true, "relations": true, "status": true,
}

// UnmarshalJSON decodes an entity exactly as encoding/json decodes its
// fields, through a faster path for the common case: an object whose keys
// are the fields' exact names, each once, decoded into an Entity with no
// spec or status yet. Anything else, errors included, takes encoding/json's
// own path, so results and error texts are the same. Stitching decodes
// every processed entity, and Marshal's reflection over spec was most of
// that.
func (e *Entity) UnmarshalJSON(b []byte) error {
	if e.Spec == nil && e.Status == nil {
		saved := *e
		if e.decodeFast(b) {
			return nil
		}
		*e = saved
	}
	type plain Entity // without this method
	return json.Unmarshal(b, (*plain)(e))
}

// decodeFast decodes b into e and reports whether it could.
func (e *Entity) decodeFast(b []byte) bool {
	members, ok := objectMembers(b)
	if !ok {
		return false
	}
	for i, m := range members {
		if !entityFields[m.key] {
			return false // matched case-insensitively, or ignored
		}
		for _, later := range members[i+1:] {
			if later.key == m.key {
				return false
			}
		}
	}
	for _, m := range members {
		var err error
		switch m.key {
		case "apiVersion":
			err = decodeString(m.value, &e.APIVersion)
		case "kind":
			err = decodeString(m.value, &e.Kind)
		case "metadata":
			err = e.Metadata.decodeValid(m.value, true) // objectMembers checked b
		case "spec":
			v, ok := jsonenc.Decode(m.value)
			spec, isMap := v.(map[string]any)
			if !ok || !isMap && v != nil {
				return false
			}
			e.Spec = spec
		case "relations":
			err = json.Unmarshal(m.value, &e.Relations)
		case "status":
			err = json.Unmarshal(m.value, &e.Status)
		}
		if err != nil {
			return false
		}
	}
	return true
}
