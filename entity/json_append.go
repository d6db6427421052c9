package entity

import (
	"encoding/json"
	"slices"

	"github.com/callboard/callboard/internal/jsonenc"
)

// AppendJSON appends e encoded byte for byte as json.Marshal(e) encodes
// it. ok is false when Spec or Metadata.Extra holds a value of a type
// other than those decoded JSON holds (maps with string keys, slices,
// strings, float64, bool, nil); the caller then uses json.Marshal. The
// catalog encodes every entity it processes and stitches, and Marshal's
// reflection, map copies and check of Metadata's own encoding were a
// tenth of a cold start.
func AppendJSON(b []byte, e *Entity) ([]byte, bool) {
	b = append(b, `{"apiVersion":`...)
	b = jsonenc.AppendString(b, e.APIVersion)
	b = append(b, `,"kind":`...)
	b = jsonenc.AppendString(b, e.Kind)
	b = append(b, `,"metadata":`...)
	b, ok := e.Metadata.appendJSON(b)
	if !ok {
		return b, false
	}
	if e.Spec != nil {
		b = append(b, `,"spec":`...)
		if b, ok = jsonenc.AppendValue(b, e.Spec); !ok {
			return b, false
		}
	}
	if len(e.Relations) > 0 {
		b = append(b, `,"relations":[`...)
		for i, r := range e.Relations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = jsonenc.AppendString(b, r.Type)
			b = append(b, `,"targetRef":`...)
			b = jsonenc.AppendString(b, r.TargetRef)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.Status != nil {
		b = append(b, `,"status":{`...)
		if len(e.Status.Items) > 0 {
			b = append(b, `"items":[`...)
			for i := range e.Status.Items {
				if i > 0 {
					b = append(b, ',')
				}
				b = e.Status.Items[i].appendJSON(b)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// Marshal encodes e as json.Marshal(e) does, through AppendJSON when it
// can.
func Marshal(e *Entity) ([]byte, error) {
	if b, ok := AppendJSON(make([]byte, 0, 1024), e); ok {
		return b, nil
	}
	return json.Marshal(e)
}

func (it *StatusItem) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = jsonenc.AppendString(b, it.Type)
	b = append(b, `,"level":`...)
	b = jsonenc.AppendString(b, it.Level)
	b = append(b, `,"message":`...)
	b = jsonenc.AppendString(b, it.Message)
	if it.Error != nil {
		b = append(b, `,"error":`...)
		b = it.Error.appendJSON(b)
	}
	return append(b, '}')
}

func (e *SerializedError) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = jsonenc.AppendString(b, e.Name)
	b = append(b, `,"message":`...)
	b = jsonenc.AppendString(b, e.Message)
	if e.Code != "" {
		b = append(b, `,"code":`...)
		b = jsonenc.AppendString(b, e.Code)
	}
	if e.Cause != nil {
		b = append(b, `,"cause":`...)
		b = e.Cause.appendJSON(b)
	}
	return append(b, '}')
}

// appendJSON appends the metadata as MarshalJSON encodes it: one object
// of Extra's members and the typed fields that are set, keys in byte
// order. ok is false when an Extra value is not one jsonenc takes.
func (m *Metadata) appendJSON(b []byte) ([]byte, bool) {
	var small [16]string
	keys := append(small[:0], "name")
	for k := range m.Extra {
		if !metadataKnown[k] {
			keys = append(keys, k)
		}
	}
	for _, f := range [...]struct {
		key string
		set bool
	}{
		{"namespace", m.Namespace != ""}, {"title", m.Title != ""}, {"description", m.Description != ""},
		{"uid", m.UID != ""}, {"etag", m.Etag != ""}, {"labels", m.Labels != nil},
		{"annotations", m.Annotations != nil}, {"tags", m.Tags != nil}, {"links", m.Links != nil},
	} {
		if f.set {
			keys = append(keys, f.key)
		}
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		b = appendKey(b, i, k)
		switch k {
		case "name":
			b = jsonenc.AppendString(b, m.Name)
		case "namespace":
			b = jsonenc.AppendString(b, m.Namespace)
		case "title":
			b = jsonenc.AppendString(b, m.Title)
		case "description":
			b = jsonenc.AppendString(b, m.Description)
		case "uid":
			b = jsonenc.AppendString(b, m.UID)
		case "etag":
			b = jsonenc.AppendString(b, m.Etag)
		case "labels":
			b = appendStringMap(b, m.Labels)
		case "annotations":
			b = appendStringMap(b, m.Annotations)
		case "tags":
			b = append(b, '[')
			for j, t := range m.Tags {
				if j > 0 {
					b = append(b, ',')
				}
				b = jsonenc.AppendString(b, t)
			}
			b = append(b, ']')
		case "links":
			b = append(b, '[')
			for j, l := range m.Links {
				if j > 0 {
					b = append(b, ',')
				}
				b = l.appendJSON(b)
			}
			b = append(b, ']')
		default:
			var ok bool
			if b, ok = jsonenc.AppendValue(b, m.Extra[k]); !ok {
				return b, false
			}
		}
	}
	return append(b, '}'), true
}

// appendStringMap appends m as an object, keys in byte order.
func appendStringMap(b []byte, m map[string]string) []byte {
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		b = appendKey(b, i, k)
		b = jsonenc.AppendString(b, m[k])
	}
	return append(b, '}')
}

// appendKey appends the key of an object's member i and its colon, after
// a comma unless it is the first.
func appendKey(b []byte, i int, k string) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	b = jsonenc.AppendString(b, k)
	return append(b, ':')
}

func (l *Link) appendJSON(b []byte) []byte {
	b = append(b, `{"url":`...)
	b = jsonenc.AppendString(b, l.URL)
	for _, f := range [...]struct{ key, value string }{{`,"title":`, l.Title}, {`,"icon":`, l.Icon}, {`,"type":`, l.Type}} {
		if f.value != "" {
			b = append(b, f.key...)
			b = jsonenc.AppendString(b, f.value)
		}
	}
	return append(b, '}')
}
