package entity

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
