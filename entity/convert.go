package entity

import (
	"maps"
	"strconv"
)

// Entities travel as decoded documents (map[string]any) between readers,
// processors and the store, and as *Entity inside the engine. The
// conversions here walk the values directly instead of going through JSON,
// because the engine converts every entity on every processing run.

// fromMap converts a document into an Entity. The result shares nothing
// with data: values are normalised copies.
func fromMap(data map[string]any) (*Entity, error) {
	n, err := normalize(data)
	if err != nil {
		return nil, &ValidationError{Message: "decode entity: " + err.Error()}
	}
	doc, _ := n.(map[string]any)
	return decodeEntity(doc)
}

// decodeEntity builds an Entity from a normalised document, taking
// ownership of its nested values. Typed fields must have the right JSON
// types; null counts as absent, as it does for encoding/json.
func decodeEntity(doc map[string]any) (*Entity, error) {
	var e Entity
	var err error
	if e.APIVersion, err = stringField(doc, "apiVersion", noPrefix); err != nil {
		return nil, err
	}
	if e.Kind, err = stringField(doc, "kind", noPrefix); err != nil {
		return nil, err
	}
	if v := doc["metadata"]; v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, typeErr("metadata", "object", v)
		}
		if e.Metadata, err = decodeMetadata(m); err != nil {
			return nil, err
		}
	}
	if v := doc["spec"]; v != nil {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, typeErr("spec", "object", v)
		}
		e.Spec = m
	}
	if v := doc["relations"]; v != nil {
		if e.Relations, err = decodeRelations(v); err != nil {
			return nil, err
		}
	}
	if v := doc["status"]; v != nil {
		if e.Status, err = decodeStatus(v); err != nil {
			return nil, err
		}
	}
	return &e, nil
}

func typeErr(field, want string, got any) error {
	return &ValidationError{Field: field, Message: "decode entity: " + field + ": expected " + want + ", got " + jsonType(got)}
}

// stringField reads m[key] as a string; the error names the field as
// prefix+key. prefix is built by the caller only when needed, so it is a
// function.
func stringField(m map[string]any, key string, prefix func() string) (string, error) {
	v := m[key]
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", typeErr(prefix()+key, "string", v)
	}
	return s, nil
}

func noPrefix() string { return "" }

func metadataPrefix() string { return "metadata." }

// itemPrefix returns the prefix function for item i of a list field.
func itemPrefix(list string, i int) func() string {
	return func() string { return list + "." + strconv.Itoa(i) + "." }
}

func decodeMetadata(m map[string]any) (Metadata, error) {
	var md Metadata
	for k, v := range m {
		var err error
		switch k {
		case "name":
			md.Name, err = stringField(m, k, metadataPrefix)
		case "namespace":
			md.Namespace, err = stringField(m, k, metadataPrefix)
		case "title":
			md.Title, err = stringField(m, k, metadataPrefix)
		case "description":
			md.Description, err = stringField(m, k, metadataPrefix)
		case "uid":
			md.UID, err = stringField(m, k, metadataPrefix)
		case "etag":
			md.Etag, err = stringField(m, k, metadataPrefix)
		case "labels":
			md.Labels, err = stringMapField(v, "metadata.labels")
		case "annotations":
			md.Annotations, err = stringMapField(v, "metadata.annotations")
		case "tags":
			md.Tags, err = decodeTags(v)
		case "links":
			md.Links, err = decodeLinks(v)
		default:
			if md.Extra == nil {
				md.Extra = make(map[string]any, len(m))
			}
			md.Extra[k] = v
		}
		if err != nil {
			return Metadata{}, err
		}
	}
	return md, nil
}

func stringMapField(v any, field string) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(field, "object", v)
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			return nil, typeErr(field+"."+k, "string", e)
		}
		out[k] = s
	}
	return out, nil
}

func decodeTags(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, typeErr("metadata.tags", "array", v)
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil, typeErr("metadata.tags."+strconv.Itoa(i), "string", e)
		}
		out[i] = s
	}
	return out, nil
}

func decodeLinks(v any) ([]Link, error) {
	if v == nil {
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, typeErr("metadata.links", "array", v)
	}
	out := make([]Link, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, typeErr("metadata.links."+strconv.Itoa(i), "object", e)
		}
		prefix := itemPrefix("metadata.links", i)
		l := &out[i]
		var err error
		if l.URL, err = stringField(m, "url", prefix); err != nil {
			return nil, err
		}
		if l.Title, err = stringField(m, "title", prefix); err != nil {
			return nil, err
		}
		if l.Icon, err = stringField(m, "icon", prefix); err != nil {
			return nil, err
		}
		if l.Type, err = stringField(m, "type", prefix); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeRelations(v any) ([]Relation, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, typeErr("relations", "array", v)
	}
	out := make([]Relation, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, typeErr("relations."+strconv.Itoa(i), "object", e)
		}
		prefix := itemPrefix("relations", i)
		var err error
		if out[i].Type, err = stringField(m, "type", prefix); err != nil {
			return nil, err
		}
		if out[i].TargetRef, err = stringField(m, "targetRef", prefix); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeStatus(v any) (*Status, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr("status", "object", v)
	}
	st := &Status{}
	if v := m["items"]; v != nil {
		a, ok := v.([]any)
		if !ok {
			return nil, typeErr("status.items", "array", v)
		}
		st.Items = make([]StatusItem, len(a))
		for i, e := range a {
			field := "status.items." + strconv.Itoa(i)
			im, ok := e.(map[string]any)
			if !ok {
				return nil, typeErr(field, "object", e)
			}
			prefix := func() string { return field + "." }
			it := &st.Items[i]
			var err error
			if it.Type, err = stringField(im, "type", prefix); err != nil {
				return nil, err
			}
			if it.Level, err = stringField(im, "level", prefix); err != nil {
				return nil, err
			}
			if it.Message, err = stringField(im, "message", prefix); err != nil {
				return nil, err
			}
			if ev := im["error"]; ev != nil {
				if it.Error, err = decodeSerializedError(ev, field+".error"); err != nil {
					return nil, err
				}
			}
		}
	}
	return st, nil
}

func decodeSerializedError(v any, field string) (*SerializedError, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(field, "object", v)
	}
	se := &SerializedError{}
	prefix := func() string { return field + "." }
	var err error
	if se.Name, err = stringField(m, "name", prefix); err != nil {
		return nil, err
	}
	if se.Message, err = stringField(m, "message", prefix); err != nil {
		return nil, err
	}
	if se.Code, err = stringField(m, "code", prefix); err != nil {
		return nil, err
	}
	if cv := m["cause"]; cv != nil {
		if se.Cause, err = decodeSerializedError(cv, field+".cause"); err != nil {
			return nil, err
		}
	}
	return se, nil
}

// ToMap returns the entity as a document: the same value that decoding
// its JSON encoding into a map[string]any gives. The result shares nothing
// with e.
func (e *Entity) ToMap() map[string]any {
	return e.view(true)
}

// view builds the document form of e. Without deep, spec and extra
// metadata values are shared with e, for read-only use.
func (e *Entity) view(deep bool) map[string]any {
	out := make(map[string]any, 6)
	out["apiVersion"] = e.APIVersion
	out["kind"] = e.Kind
	out["metadata"] = e.Metadata.view(deep)
	if e.Spec != nil {
		if deep {
			out["spec"] = copyValue(e.Spec)
		} else {
			out["spec"] = e.Spec
		}
	}
	if len(e.Relations) > 0 {
		rels := make([]any, len(e.Relations))
		for i, r := range e.Relations {
			rels[i] = map[string]any{"type": r.Type, "targetRef": r.TargetRef}
		}
		out["relations"] = rels
	}
	if e.Status != nil {
		st := make(map[string]any, 1)
		if len(e.Status.Items) > 0 {
			items := make([]any, len(e.Status.Items))
			for i, it := range e.Status.Items {
				m := map[string]any{"type": it.Type, "level": it.Level, "message": it.Message}
				if it.Error != nil {
					m["error"] = it.Error.view()
				}
				items[i] = m
			}
			st["items"] = items
		}
		out["status"] = st
	}
	return out
}

func (e *SerializedError) view() map[string]any {
	m := map[string]any{"name": e.Name, "message": e.Message}
	if e.Code != "" {
		m["code"] = e.Code
	}
	if e.Cause != nil {
		m["cause"] = e.Cause.view()
	}
	return m
}

// view is the document form of the metadata, matching MarshalJSON.
func (m *Metadata) view(deep bool) map[string]any {
	out := make(map[string]any, len(m.Extra)+4)
	for k, v := range m.Extra {
		if metadataKnown[k] {
			continue
		}
		if deep {
			v = copyValue(v)
		}
		out[k] = v
	}
	out["name"] = m.Name
	setNonEmpty(out, "namespace", m.Namespace)
	setNonEmpty(out, "title", m.Title)
	setNonEmpty(out, "description", m.Description)
	setNonEmpty(out, "uid", m.UID)
	setNonEmpty(out, "etag", m.Etag)
	if m.Labels != nil {
		out["labels"] = stringMapView(m.Labels)
	}
	if m.Annotations != nil {
		out["annotations"] = stringMapView(m.Annotations)
	}
	if m.Tags != nil {
		tags := make([]any, len(m.Tags))
		for i, t := range m.Tags {
			tags[i] = t
		}
		out["tags"] = tags
	}
	if m.Links != nil {
		links := make([]any, len(m.Links))
		for i, l := range m.Links {
			lm := map[string]any{"url": l.URL}
			setNonEmpty(lm, "title", l.Title)
			setNonEmpty(lm, "icon", l.Icon)
			setNonEmpty(lm, "type", l.Type)
			links[i] = lm
		}
		out["links"] = links
	}
	return out
}

func setNonEmpty(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func stringMapView(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// copyValue deep-copies a JSON value; values that are not maps or slices
// are immutable and shared. Other Go types are normalised on the way.
func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	case nil, string, bool, float64:
		return v
	}
	n, err := normalize(v)
	if err != nil {
		return v
	}
	return n
}

// Clone returns a deep copy of e.
func (e *Entity) Clone() *Entity {
	c := *e
	c.Metadata.Labels = maps.Clone(e.Metadata.Labels)
	c.Metadata.Annotations = maps.Clone(e.Metadata.Annotations)
	if e.Metadata.Tags != nil {
		c.Metadata.Tags = append([]string{}, e.Metadata.Tags...)
	}
	if e.Metadata.Links != nil {
		c.Metadata.Links = append([]Link{}, e.Metadata.Links...)
	}
	if e.Metadata.Extra != nil {
		c.Metadata.Extra = copyValue(e.Metadata.Extra).(map[string]any)
	}
	if e.Spec != nil {
		c.Spec = copyValue(e.Spec).(map[string]any)
	}
	if e.Relations != nil {
		c.Relations = append([]Relation{}, e.Relations...)
	}
	if e.Status != nil {
		st := &Status{}
		if e.Status.Items != nil {
			st.Items = make([]StatusItem, len(e.Status.Items))
			for i, it := range e.Status.Items {
				it.Error = it.Error.clone()
				st.Items[i] = it
			}
		}
		c.Status = st
	}
	return &c
}

func (e *SerializedError) clone() *SerializedError {
	if e == nil {
		return nil
	}
	c := *e
	c.Cause = e.Cause.clone()
	return &c
}
