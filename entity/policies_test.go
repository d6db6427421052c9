package entity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const docsHint = " To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md"

// invalid is Backstage's text for a field that fails its format rule.
func invalid(field, expectation, value string) string {
	return `"` + field + `" is not valid; expected ` + expectation + ` but found "` + value + `".` + docsHint
}

func TestEnforcePoliciesFieldFormat(t *testing.T) {
	meta := func(f func(m map[string]any)) func(d map[string]any) {
		return func(d map[string]any) { f(d["metadata"].(map[string]any)) }
	}
	setMeta := func(k string, v any) func(d map[string]any) {
		return meta(func(m map[string]any) { m[k] = v })
	}
	label := func(k string, v any) func(d map[string]any) {
		return meta(func(m map[string]any) { m["labels"] = map[string]any{k: v} })
	}
	annotation := func(k string, v any) func(d map[string]any) {
		return meta(func(m map[string]any) { m["annotations"] = map[string]any{k: v} })
	}
	tags := func(v ...any) func(d map[string]any) { return setMeta("tags", v) }
	link := func(l map[string]any) func(d map[string]any) { return setMeta("links", []any{l}) }
	root := func(k string, v any) func(d map[string]any) {
		return func(d map[string]any) { d[k] = v }
	}
	long := strings.Repeat("a", 64)
	tests := []struct {
		name   string
		mutate func(map[string]any)
		want   string // "" when valid
	}{
		// apiVersion: <suffix> or <dns-subdomain>/<suffix>
		{"apiVersion plain", root("apiVersion", "v1"), ""},
		{"apiVersion prefixed", root("apiVersion", "my-company.net/v1"), ""},
		{"apiVersion upper suffix", root("apiVersion", "backstage.io/V1Alpha1"), ""},
		{"apiVersion 63 char suffix", root("apiVersion", "a/"+strings.Repeat("b", 63)), ""},
		{"apiVersion 64 char suffix", root("apiVersion", "a/"+strings.Repeat("b", 64)), invalid("apiVersion", expectPrefixed, "a/"+strings.Repeat("b", 64))},
		{"apiVersion bad char", root("apiVersion", "a#b"), invalid("apiVersion", expectPrefixed, "a#b")},
		{"apiVersion two slashes", root("apiVersion", "a/b/c"), invalid("apiVersion", expectPrefixed, "a/b/c")},
		{"apiVersion upper prefix", root("apiVersion", "Backstage.io/v1"), invalid("apiVersion", expectPrefixed, "Backstage.io/v1")},
		{"apiVersion empty prefix", root("apiVersion", "/v1"), invalid("apiVersion", expectPrefixed, "/v1")},
		{"apiVersion dash suffix", root("apiVersion", "a/v-1"), invalid("apiVersion", expectPrefixed, "a/v-1")},

		// kind: ^[a-zA-Z][a-z0-9A-Z]*$, at most 63
		{"kind", root("kind", "MyKind2"), ""},
		{"kind digit first", root("kind", "2Kind"), invalid("kind", expectKind, "2Kind")},
		{"kind dash", root("kind", "my-kind"), invalid("kind", expectKind, "my-kind")},
		{"kind 63", root("kind", "K"+strings.Repeat("k", 62)), ""},
		{"kind 64", root("kind", "K"+strings.Repeat("k", 63)), invalid("kind", expectKind, "K"+strings.Repeat("k", 63))},

		// metadata.name
		{"name single char", setMeta("name", "a"), ""},
		{"name mixed", setMeta("name", "My_Component.v2-x"), ""},
		{"name 63", setMeta("name", long[:63]), ""},
		{"name 64", setMeta("name", long), invalid("metadata.name", expectObjectName, long)},
		{"name leading dash", setMeta("name", "-a"), invalid("metadata.name", expectObjectName, "-a")},
		{"name trailing dot", setMeta("name", "a."), invalid("metadata.name", expectObjectName, "a.")},
		{"name space", setMeta("name", "a b"), invalid("metadata.name", expectObjectName, "a b")},
		{"name unicode", setMeta("name", "åb"), invalid("metadata.name", expectObjectName, "åb")},

		// metadata.namespace: DNS label
		{"namespace", setMeta("namespace", "team-a--x1"), ""},
		{"namespace upper", setMeta("namespace", "Team"), invalid("metadata.namespace", expectDNSLabel, "Team")},
		{"namespace underscore", setMeta("namespace", "a_b"), invalid("metadata.namespace", expectDNSLabel, "a_b")},
		{"namespace trailing dash", setMeta("namespace", "a-"), invalid("metadata.namespace", expectDNSLabel, "a-")},
		{"namespace 64", setMeta("namespace", long), invalid("metadata.namespace", expectDNSLabel, long)},

		// label keys and values
		{"label plain key", label("team", "a"), ""},
		{"label prefixed key", label("example.com/team", "A_b.c-d"), ""},
		{"label empty value", label("team", ""), ""},
		{"label bad key", label("a#b", "value"), invalid("labels.a#b", expectPrefixed, "a#b")},
		{"label upper prefix", label("Example.com/team", "a"), invalid("labels.Example.com/team", expectPrefixed, "Example.com/team")},
		{"label two slashes", label("a/b/c", "a"), invalid("labels.a/b/c", expectPrefixed, "a/b/c")},
		{"label long prefix", label(strings.Repeat("a.", 127)+"a/x", "v"), invalid("labels."+strings.Repeat("a.", 127)+"a/x", expectPrefixed, strings.Repeat("a.", 127)+"a/x")},
		{"label bad value", label("team", "a#b"), invalid("labels.team", expectObjectName, "a#b")},
		{"label long value", label("team", long), invalid("labels.team", expectObjectName, long)},

		// annotation keys and values
		{"annotation", annotation("backstage.io/techdocs-ref", "dir:. any value: at all"), ""},
		{"annotation empty value", annotation("a", ""), ""},
		{"annotation bad key", annotation("a#b", "value"), invalid("annotations.a#b", expectPrefixed, "a#b")},
		{"annotation empty key name", annotation("example.com/", "value"), invalid("annotations.example.com/", expectPrefixed, "example.com/")},

		// tags
		{"tags", tags("java", "c++", "c#", "team:a", "a-b-c"), ""},
		{"tag upper", tags("Java"), invalid("tags.0", expectTag, "Java")},
		{"tag space", tags("ok", "Hello World"), invalid("tags.1", expectTag, "Hello World")},
		{"tag double dash", tags("a--b"), invalid("tags.0", expectTag, "a--b")},
		{"tag leading dash", tags("-a"), invalid("tags.0", expectTag, "-a")},
		{"tag dot", tags("a.b"), invalid("tags.0", expectTag, "a.b")},
		{"tag 64", tags(long), invalid("tags.0", expectTag, long)},

		// links
		{"link url only", link(map[string]any{"url": "http://foo"}), ""},
		{"link mailto", link(map[string]any{"url": "mailto:team@example.com"}), ""},
		{"link bad url", link(map[string]any{"url": "invalid"}), invalid("links.0.url", expectURL, "invalid")},
		{"link relative url", link(map[string]any{"url": "/docs"}), invalid("links.0.url", expectURL, "/docs")},
		{"link title", link(map[string]any{"url": "http://foo", "title": "Admin dashboard"}), ""},
		{"link blank title", link(map[string]any{"url": "http://foo", "title": "  "}), invalid("links.0.title", expectNonEmpty, "  ")},
		{"link icon with space", link(map[string]any{"url": "http://foo", "icon": "abc xyz"}), ""},
		{"link blank icon", link(map[string]any{"url": "http://foo", "icon": "\t"}), invalid("links.0.icon", expectNonEmpty, "\t")},
		{"second link", setMeta("links", []any{map[string]any{"url": "http://good"}, map[string]any{"url": "nope"}}), invalid("links.1.url", expectURL, "nope")},

		// the order of the rules decides which fault is reported
		{"kind before name", func(d map[string]any) { d["kind"] = "a-b"; setMeta("name", "-")(d) }, invalid("kind", expectKind, "a-b")},
		{"labels before tags", func(d map[string]any) { label("a#", "")(d); tags("X")(d) }, invalid("labels.a#", expectPrefixed, "a#")},
		{"label keys sorted", label("b#", ""), invalid("labels.b#", expectPrefixed, "b#")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := component()
			tt.mutate(d)
			_, err := EnforcePolicies(d)
			if diff := cmp.Diff(tt.want, errText(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var ve *ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Errorf("error is %T, want *ValidationError", err)
			}
		})
	}
}

// policySchemaCases are shared with the cross-check against the upstream
// schemas.
var policySchemaCases = []struct {
	name string
	doc  string
	want string
}{
	{"missing apiVersion", `{"kind":"Component","metadata":{"name":"a"}}`, "Malformed envelope, <root> must have required property 'apiVersion'"},
	{"missing kind and metadata", `{"apiVersion":"v1"}`, "Malformed envelope, <root> must have required property 'kind'"},
	{"unknown root key", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"foo":1}`, "Malformed envelope, <root> must NOT have additional properties"},
	{"unknown root key before bad property", `{"apiVersion":7,"kind":"A","metadata":{"name":"a"},"foo":1}`, "Malformed envelope, <root> must NOT have additional properties"},
	{"apiVersion type", `{"apiVersion":7,"kind":"A","metadata":{"name":"a"}}`, "Malformed envelope, /apiVersion must be string"},
	{"empty kind", `{"apiVersion":"v1","kind":"","metadata":{"name":"a"}}`, "Malformed envelope, /kind must NOT have fewer than 1 characters"},
	{"metadata type", `{"apiVersion":"v1","kind":"A","metadata":[]}`, "Malformed envelope, /metadata must be object"},
	{"missing name", `{"apiVersion":"v1","kind":"A","metadata":{}}`, "Malformed envelope, /metadata must have required property 'name'"},
	{"name type", `{"apiVersion":"v1","kind":"A","metadata":{"name":7}}`, "Malformed envelope, /metadata/name must be string"},
	{"null name", `{"apiVersion":"v1","kind":"A","metadata":{"name":null}}`, "Malformed envelope, /metadata/name must be string"},
	{"uid before name", `{"apiVersion":"v1","kind":"A","metadata":{"name":7,"uid":""}}`, "Malformed envelope, /metadata/uid must NOT have fewer than 1 characters"},
	{"empty namespace", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","namespace":""}}`, "Malformed envelope, /metadata/namespace must NOT have fewer than 1 characters"},
	{"description type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","description":7}}`, "Malformed envelope, /metadata/description must be string"},
	{"empty description", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","description":""}}`, ""},
	{"labels type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","labels":[]}}`, "Malformed envelope, /metadata/labels must be object"},
	{"label value type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","labels":{"example.com/x":true}}}`, "Malformed envelope, /metadata/labels/example.com~1x must be string"},
	{"annotation value type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","annotations":{"a~b":1}}}`, "Malformed envelope, /metadata/annotations/a~0b must be string"},
	{"tags type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","tags":"java"}}`, "Malformed envelope, /metadata/tags must be array"},
	{"empty tag", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","tags":["java",""]}}`, "Malformed envelope, /metadata/tags/1 must NOT have fewer than 1 characters"},
	{"links type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","links":{}}}`, "Malformed envelope, /metadata/links must be array"},
	{"link without url", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","links":[{"title":"x"}]}}`, "Malformed envelope, /metadata/links/0 must have required property 'url'"},
	{"link empty title", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","links":[{"url":"http://a","title":""}]}}`, "Malformed envelope, /metadata/links/0/title must NOT have fewer than 1 characters"},
	{"link extra keys", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","links":[{"url":"http://a","x":1}]}}`, ""},
	{"extra metadata keys", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a","generation":1,"x":{"y":[1]}}}`, ""},
	{"spec type", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"spec":7}`, "Malformed envelope, /spec must be object"},
	{"null spec", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"spec":null}`, "Malformed envelope, /spec must be object"},
	{"relation type pattern", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"relations":[{"type":"owned-by","targetRef":"group:default/a"}]}`, "Malformed envelope, /relations/0/type must match pattern \"^\\w+$\""},
	{"relation extra key", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"relations":[{"type":"ownedBy","targetRef":"x","foo":1}]}`, "Malformed envelope, /relations/0 must NOT have additional properties"},
	{"status level", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"status":{"items":[{"type":"t","level":"fatal","message":"m"}]}}`, "Malformed envelope, /status/items/0/level must be equal to one of the allowed values"},
	{"status error name", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"status":{"items":[{"type":"t","level":"error","message":"m","error":{"message":"m"}}]}}`, "Malformed envelope, /status/items/0/error must have required property 'name'"},

	// the policies after the schema
	{"valid relations are still foreign", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"relations":[]}`, "Unknown field relations"},
	{"status is foreign", `{"apiVersion":"v1","kind":"A","metadata":{"name":"a"},"status":{}}`, "Unknown field status"},
	{"foreign before format", `{"apiVersion":"v1","kind":"a-b","metadata":{"name":"a"},"status":{}}`, "Unknown field status"},
	{"format after schema", `{"apiVersion":"v1","kind":"a-b","metadata":{"name":"a"}}`, invalid("kind", expectKind, "a-b")},
}

func TestEnforcePoliciesSchema(t *testing.T) {
	tests := policySchemaCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EnforcePolicies(doc(t, tt.doc))
			if diff := cmp.Diff(tt.want, errText(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnforcePoliciesResult(t *testing.T) {
	d := doc(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component",
		"metadata":{"name":"svc","labels":{"a":"b"},"generation":3,"links":[{"url":"https://a.example"}]},
		"spec":{"type":"service","lifecycle":"production","owner":"team-a","n":1}}`)
	before := doc(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component",
		"metadata":{"name":"svc","labels":{"a":"b"},"generation":3,"links":[{"url":"https://a.example"}]},
		"spec":{"type":"service","lifecycle":"production","owner":"team-a","n":1}}`)
	e, err := EnforcePolicies(d)
	if err != nil {
		t.Fatal(err)
	}
	want := &Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata: Metadata{
			Name:      "svc",
			Namespace: "default", // DefaultNamespaceEntityPolicy
			Labels:    map[string]string{"a": "b"},
			Links:     []Link{{URL: "https://a.example"}},
			Extra:     map[string]any{"generation": 3.0},
		},
		Spec: map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "n": 1.0},
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("entity (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, d); diff != "" {
		t.Errorf("input was modified (-want +got):\n%s", diff)
	}
	e.Spec["owner"] = "changed"
	if d["spec"].(map[string]any)["owner"] != "team-a" {
		t.Error("entity shares its spec with the input")
	}
}

func TestEnforcePoliciesKeepsNamespace(t *testing.T) {
	e, err := EnforcePolicies(component())
	if err != nil {
		t.Fatal(err)
	}
	if e.Metadata.Namespace != "the-namespace" {
		t.Errorf("namespace = %q, want the-namespace", e.Metadata.Namespace)
	}
}

func TestEnforcePoliciesYAMLShapes(t *testing.T) {
	// What a YAML decoder hands over: non-string map keys, ints, NaN.
	d := map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata": map[any]any{
			"name":        "svc",
			"labels":      map[any]any{"team": "a"},
			"count":       int64(3),
			"description": time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		},
		"spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "a",
			"ports": []any{8080, uint64(9090)}, "ratio": float32(0.5), "odd": map[any]any{1: "one", true: "yes"}},
	}
	if err := ValidateEnvelope(d); err != nil {
		t.Fatal(err)
	}
	e, err := EnforcePolicies(d)
	if err != nil {
		t.Fatal(err)
	}
	if e.Metadata.Description != "2020-01-02T00:00:00Z" {
		t.Errorf("description = %q, want the timestamp as a string", e.Metadata.Description)
	}
	want := map[string]any{"type": "service", "lifecycle": "production", "owner": "a",
		"ports": []any{8080.0, 9090.0}, "ratio": 0.5, "odd": map[string]any{"1": "one", "true": "yes"}}
	if diff := cmp.Diff(want, e.Spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"team": "a"}, e.Metadata.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"count": 3.0}, e.Metadata.Extra); diff != "" {
		t.Errorf("extra (-want +got):\n%s", diff)
	}
}
