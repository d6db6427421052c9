package entity

import (
	"encoding/json"
	"fmt"
)

// Entity is one catalog entity in Backstage's envelope.
//
// Spec is kept as a generic JSON object because its shape depends on the kind
// and plugins may add fields; Metadata keeps unknown keys in Extra so that a
// round trip through Callboard loses nothing. An empty spec is kept (only a
// nil Spec is left out of the JSON form), as Backstage keeps `spec: {}`.
type Entity struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitzero"`
	Relations  []Relation     `json:"relations,omitempty"`
	Status     *Status        `json:"status,omitempty"`
}

// Metadata is the entity's metadata block.
type Metadata struct {
	Name        string
	Namespace   string
	Title       string
	Description string
	UID         string
	Etag        string
	Labels      map[string]string
	Annotations map[string]string
	Tags        []string
	Links       []Link
	// Extra holds every other metadata key as decoded from JSON or YAML.
	Extra map[string]any
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Relation is a directed, typed edge from the entity to TargetRef, which is a
// canonical entity reference string.
type Relation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// Status carries server-generated status items such as processing errors.
type Status struct {
	Items []StatusItem `json:"items,omitempty"`
}

// StatusItem is one entry of status.items.
type StatusItem struct {
	Type    string           `json:"type"`
	Level   string           `json:"level"`
	Message string           `json:"message"`
	Error   *SerializedError `json:"error,omitempty"`
}

// SerializedError is an error in Backstage's serialized form.
type SerializedError struct {
	Name    string           `json:"name"`
	Message string           `json:"message"`
	Code    string           `json:"code,omitempty"`
	Cause   *SerializedError `json:"cause,omitempty"`
}

// Error makes a SerializedError usable as a Go error.
func (e *SerializedError) Error() string { return e.Name + ": " + e.Message }

// Ref returns the entity's reference, with the namespace defaulted.
func (e *Entity) Ref() Ref {
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: e.Kind, Namespace: ns, Name: e.Metadata.Name}
}

// Annotation returns the value of annotation key, or "".
func (e *Entity) Annotation(key string) string { return e.Metadata.Annotations[key] }

// SetAnnotation sets an annotation, creating the map when needed.
func (e *Entity) SetAnnotation(key, value string) {
	if e.Metadata.Annotations == nil {
		e.Metadata.Annotations = map[string]string{}
	}
	e.Metadata.Annotations[key] = value
}

// metadataKnown lists the metadata keys with typed fields.
var metadataKnown = map[string]bool{
	"name": true, "namespace": true, "title": true, "description": true, "uid": true,
	"etag": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

// MarshalJSON writes the typed fields and Extra as one object.
func (m Metadata) MarshalJSON() ([]byte, error) {
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

// UnmarshalJSON reads the typed fields and keeps the rest in Extra.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Metadata{}
	for k, v := range raw {
		var err error
		switch k {
		case "name":
			err = json.Unmarshal(v, &m.Name)
		case "namespace":
			err = json.Unmarshal(v, &m.Namespace)
		case "title":
			err = json.Unmarshal(v, &m.Title)
		case "description":
			err = json.Unmarshal(v, &m.Description)
		case "uid":
			err = json.Unmarshal(v, &m.UID)
		case "etag":
			err = json.Unmarshal(v, &m.Etag)
		case "labels":
			err = json.Unmarshal(v, &m.Labels)
		case "annotations":
			err = json.Unmarshal(v, &m.Annotations)
		case "tags":
			err = json.Unmarshal(v, &m.Tags)
		case "links":
			err = json.Unmarshal(v, &m.Links)
		default:
			var x any
			err = json.Unmarshal(v, &x)
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = x
		}
		if err != nil {
			return fmt.Errorf("metadata.%s: %w", k, err)
		}
	}
	return nil
}
