package entity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// envelopeCases are shared with the cross-check against the upstream
// schemas.
var envelopeCases = []struct {
	name string
	doc  string
	want string
}{
	{"minimal", `{"apiVersion":"a","kind":"B","metadata":{"name":"c"}}`, ""},
	{"unknown keys are fine", `{"apiVersion":"a","kind":"B","metadata":{"name":"c","x":1},"blah":7,"spec":7}`, ""},
	{"empty object", `{}`, "<root> must have required property 'apiVersion' - missingProperty: apiVersion"},
	{"missing kind", `{"apiVersion":"a","metadata":{"name":"c"}}`, "<root> must have required property 'kind' - missingProperty: kind"},
	{"missing metadata", `{"apiVersion":"a","kind":"B"}`, "<root> must have required property 'metadata' - missingProperty: metadata"},
	{"required before types", `{"apiVersion":7,"metadata":{"name":"c"}}`, "<root> must have required property 'kind' - missingProperty: kind"},
	{"apiVersion type", `{"apiVersion":7,"kind":"B","metadata":{"name":"c"}}`, "/apiVersion must be string - type: string"},
	{"empty apiVersion", `{"apiVersion":"","kind":"B","metadata":{"name":"c"}}`, "/apiVersion must NOT have fewer than 1 characters - limit: 1"},
	{"kind type", `{"apiVersion":"a","kind":true,"metadata":{"name":"c"}}`, "/kind must be string - type: string"},
	{"metadata type", `{"apiVersion":"a","kind":"B","metadata":"c"}`, "/metadata must be object - type: object"},
	{"missing name", `{"apiVersion":"a","kind":"B","metadata":{}}`, "/metadata must have required property 'name' - missingProperty: name"},
	{"empty name", `{"apiVersion":"a","kind":"B","metadata":{"name":""}}`, "/metadata/name must NOT have fewer than 1 characters - limit: 1"},
	{"name type", `{"apiVersion":"a","kind":"B","metadata":{"name":7}}`, "/metadata/name must be string - type: string"},
	{"empty namespace", `{"apiVersion":"a","kind":"B","metadata":{"name":"c","namespace":""}}`, "/metadata/namespace must NOT have fewer than 1 characters - limit: 1"},
	{"namespace type", `{"apiVersion":"a","kind":"B","metadata":{"name":"c","namespace":7}}`, "/metadata/namespace must be string - type: string"},
}

func TestValidateEnvelope(t *testing.T) {
	tests := envelopeCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEnvelope(doc(t, tt.doc))
			if diff := cmp.Diff(tt.want, errText(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	if err := ValidateEnvelope(nil); errText(err) != "<root> must have required property 'apiVersion' - missingProperty: apiVersion" {
		t.Errorf("nil document: %v", err)
	}
}
