package entity

import (
	"encoding/json"
	"fmt"
)

// metadataKnown lists the metadata keys with typed fields.
var metadataKnown = map[string]bool{
	"name": true, "namespace": true, "title": true, "description": true, "uid": true,
	"etag": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

// MarshalJSON writes the typed fields and Extra as one object.
func (m Metadata) MarshalJSON() ([]byte, error) {
	if b, ok := m.appendJSON(make([]byte, 0, 512)); ok {
		return b, nil
	}
	return m.marshalMap()
}

// marshalMap encodes the metadata through one map, which Marshal orders:
// for Extra values of Go types that appendJSON does not take.
func (m *Metadata) marshalMap() ([]byte, error) {
	out := make(map[string]any, len(m.Extra)+10)
	for k, v := range m.Extra {
		if !metadataKnown[k] {
			out[k] = v
		}
	}
	out["name"] = m.Name
	setString := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	setString("namespace", m.Namespace)
	setString("title", m.Title)
	setString("description", m.Description)
	setString("uid", m.UID)
	setString("etag", m.Etag)
	if m.Labels != nil {
		out["labels"] = m.Labels
	}
	if m.Annotations != nil {
		out["annotations"] = m.Annotations
	}
	if m.Tags != nil {
		out["tags"] = m.Tags
	}
	if m.Links != nil {
		out["links"] = m.Links
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the typed fields and keeps the rest in Extra. A
// valid object is split into its members by a scan of its top level and
// each member is decoded once, straight into its field (a plain ASCII
// string without escapes is taken as it is): decoding the object into a
// map of raw members first, then every member again, made metadata a
// third of the time spent decoding a stitched entity. As with that map, a
// key given twice takes its last value. Anything else — null, another
// JSON type, invalid input — is left to the generic decoder, so its
// result and its errors stay encoding/json's.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	return m.decodeValid(b, json.Valid(b))
}

// decodeValid is UnmarshalJSON with b's validity known: an entity's
// decoder has checked the whole document already.
func (m *Metadata) decodeValid(b []byte, valid bool) error {
	if !valid {
		return m.unmarshalGeneric(b)
	}
	members, ok := splitObject(b) // assumes valid JSON
	if !ok {
		return m.unmarshalGeneric(b)
	}
	*m = Metadata{}
	last := lastMembers(members)
	for i, mem := range members {
		if !last(i) {
			continue
		}
		if err := m.setMember(mem.key, mem.value); err != nil {
			return fmt.Errorf("metadata.%s: %w", mem.key, err)
		}
	}
	return nil
}

// setMember decodes one member into its field, or into Extra.
func (m *Metadata) setMember(k string, v []byte) error {
	switch k {
	case "name":
		return decodeString(v, &m.Name)
	case "namespace":
		return decodeString(v, &m.Namespace)
	case "title":
		return decodeString(v, &m.Title)
	case "description":
		return decodeString(v, &m.Description)
	case "uid":
		return decodeString(v, &m.UID)
	case "etag":
		return decodeString(v, &m.Etag)
	case "labels":
		return decodeStringMap(v, &m.Labels)
	case "annotations":
		return decodeStringMap(v, &m.Annotations)
	case "tags":
		return json.Unmarshal(v, &m.Tags)
	case "links":
		return json.Unmarshal(v, &m.Links)
	}
	var x any
	if s, ok := plainString(v); ok {
		x = s
	} else if err := json.Unmarshal(v, &x); err != nil {
		return err
	}
	if m.Extra == nil {
		m.Extra = map[string]any{}
	}
	m.Extra[k] = x
	return nil
}

// unmarshalGeneric decodes b through a map of raw members, for whatever
// objectMembers does not take.
func (m *Metadata) unmarshalGeneric(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Metadata{}
	for k, v := range raw {
		if err := m.setMember(k, v); err != nil {
			return fmt.Errorf("metadata.%s: %w", k, err)
		}
	}
	return nil
}

// decodeString decodes a JSON string (or null, which leaves dst as it is,
// as encoding/json does) into dst.
func decodeString(v []byte, dst *string) error {
	if s, ok := plainString(v); ok {
		*dst = s
		return nil
	}
	return json.Unmarshal(v, dst)
}

// decodeStringMap decodes a JSON object of strings (or null) into dst, a
// nil map. v is part of valid JSON. Labels and annotations are objects of
// plain strings; anything else goes through encoding/json.
func decodeStringMap(v []byte, dst *map[string]string) error {
	if m, ok := plainStringMap(v); ok {
		*dst = m
		return nil
	}
	return json.Unmarshal(v, dst)
}

// plainStringMap returns the members of a JSON object whose keys and
// values are all plain strings (see plainString); ok is false for any
// other value. v is part of valid JSON.
func plainStringMap(v []byte) (map[string]string, bool) {
	members, ok := splitObject(v)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(members))
	for _, mem := range members {
		s, ok := plainString(mem.value)
		if !ok {
			return nil, false
		}
		out[mem.key] = s
	}
	return out, true
}

// plainString returns the text of a JSON string made of printable ASCII
// without escapes, which decodes to exactly its bytes; ok is false for any
// other value.
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	for _, c := range v[1 : len(v)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return "", false
		}
	}
	return string(v[1 : len(v)-1]), true
}

// member is one key and raw value of a JSON object.
type member struct {
	key   string
	value []byte
}

// lastMembers returns whether members[i] is the last member with its
// key. Metadata has a dozen members, compared pairwise; a long object gets
// a map, so that its keys cost linear time.
func lastMembers(members []member) func(i int) bool {
	if len(members) <= 16 {
		return func(i int) bool {
			for _, l := range members[i+1:] {
				if l.key == members[i].key {
					return false
				}
			}
			return true
		}
	}
	at := make(map[string]int, len(members))
	for i, mem := range members {
		at[mem.key] = i
	}
	return func(i int) bool { return at[members[i].key] == i }
}

// objectMembers splits a JSON object into its members, in order. It
// returns false for anything else (invalid JSON included), and for an
// object with a key it would have to unescape, which the generic decoder
// handles.
func objectMembers(b []byte) ([]member, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	return splitObject(b)
}

// splitObject is objectMembers for b known to be valid JSON.
func splitObject(b []byte) ([]member, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	out := make([]member, 0, 12)
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return out, true
	}
	for {
		end := stringEnd(b, i)
		key, ok := plainString(b[i:end])
		if !ok {
			return nil, false
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		end = valueEnd(b, i)
		out = append(out, member{key: key, value: b[i:end]})
		i = skipSpace(b, end)
		if b[i] == '}' {
			return out, true
		}
		i = skipSpace(b, i+1) // the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the JSON value starting at b[i], which
// is part of valid JSON.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
