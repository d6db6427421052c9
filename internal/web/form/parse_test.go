package form

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// schemaOf decodes a YAML schema the way the scaffolder hands it over.
func schemaOf(t testing.TB, src string) Schema {
	t.Helper()
	var c goldenCase
	loadYAML(t, "schema: "+indent(src), &c)
	return jsonData[map[string]any](t, c.Schema)
}

func indent(s string) string {
	return "\n  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}

// form builds url.Values from pairs.
func formOf(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

func TestParse(t *testing.T) {
	page := `
required: [name]
properties:
  name: {title: Name, type: string}
  count: {title: Count, type: integer}
  ratio: {title: Ratio, type: number}
  public: {title: Public, type: boolean}
  ci: {type: boolean, ui:widget: radio}
  size: {type: string, enum: [s, m]}
  tier: {type: integer, enum: [1, 2]}
  langs: {type: array, items: {type: string, enum: [go, java]}}
  aliases: {type: array, items: {type: string}}
  ports: {type: array, items: {type: integer}}
  empty: {type: string, ui:emptyValue: none}
  meta:
    type: object
    properties:
      team: {type: string}
  entries:
    type: array
    items:
      type: object
      properties:
        key: {type: string}
        on: {type: boolean}
`
	tests := []struct {
		name    string
		posted  url.Values
		prev    map[string]any
		want    map[string]any
		changed bool
	}{
		{
			name: "typed values",
			posted: formOf(
				"_shown", "/name", "_shown", "/count", "_shown", "/ratio", "_shown", "/public", "_shown", "/ci",
				"_shown", "/size", "_shown", "/tier", "_shown", "/langs", "_shown", "/aliases", "_shown", "/ports",
				"_shown", "/empty", "_shown", "/meta", "_shown", "/meta/team", "_shown", "/entries",
				"_shown", "/entries/0/key", "_shown", "/entries/0/on", "_shown", "/entries/1/key", "_shown", "/entries/1/on",
				"v/name", "tide", "v/count", " 12 ", "v/ratio", "0.5", "v/public", "true", "v/ci", "false",
				"v/size", "m", "v/tier", "2", "v/langs", "go", "v/langs", "java",
				"v/aliases", " a ", "v/aliases", "", "v/aliases", "b", "v/ports", "80", "v/ports", "x",
				"v/empty", "", "v/meta/team", "harbour",
				"v/entries/0/key", "k", "v/entries/1/key", "",
			),
			want: map[string]any{
				"name": "tide", "count": int64(12), "ratio": 0.5, "public": true, "ci": false,
				"size": "m", "tier": float64(2), "langs": []any{"go", "java"}, "aliases": []any{"a", "b"},
				"ports": []any{int64(80), "x"}, "empty": "none", "meta": map[string]any{"team": "harbour"},
				"entries": []any{map[string]any{"key": "k", "on": false}},
			},
		},
		{
			name:    "empty fields are left out, an unticked box is false",
			posted:  formOf("_shown", "/name", "_shown", "/public", "_shown", "/count", "_shown", "/meta", "v/name", "", "v/count", ""),
			want:    map[string]any{"public": false, "meta": map[string]any{}},
			changed: true,
		},
		{
			name:    "text in a number field stays text for the schema to report",
			posted:  formOf("_shown", "/count", "_shown", "/ratio", "v/count", "1.5e", "v/ratio", "NaN"),
			want:    map[string]any{"count": "1.5e", "ratio": "NaN", "meta": map[string]any{}, "public": false},
			changed: true,
		},
		{
			name:    "values of other pages are kept, fields not shown keep theirs",
			posted:  formOf("_shown", "/name", "v/name", "new"),
			prev:    map[string]any{"name": "old", "count": int64(3), "other-page": "x"},
			want:    map[string]any{"name": "new", "count": int64(3), "other-page": "x", "meta": map[string]any{}, "public": false},
			changed: true,
		},
	}
	f := New(schemaOf(t, page))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.Parse(tt.posted, tt.prev)
			if diff := cmp.Diff(tt.want, res.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if res.Changed != tt.changed {
				t.Errorf("changed = %v, want %v", res.Changed, tt.changed)
			}
		})
	}
}

func TestParseConditions(t *testing.T) {
	page := `
properties:
  hasDatabase: {type: boolean}
  kind: {type: string, enum: [service, library], default: service}
dependencies:
  hasDatabase:
    oneOf:
      - properties:
          hasDatabase: {const: true}
          dbSize: {type: string, default: small}
      - properties:
          hasDatabase: {const: false}
if:
  properties:
    kind: {const: library}
then:
  properties:
    language: {type: string}
`
	f := New(schemaOf(t, page))
	tests := []struct {
		name    string
		posted  url.Values
		want    map[string]any
		changed bool
	}{
		{
			name:    "ticking the box brings in a field, with its default",
			posted:  formOf("_shown", "/hasDatabase", "_shown", "/kind", "v/hasDatabase", "true", "v/kind", "service"),
			want:    map[string]any{"hasDatabase": true, "dbSize": "small", "kind": "service"},
			changed: true,
		},
		{
			name: "the field filled in once shown",
			posted: formOf("_shown", "/hasDatabase", "_shown", "/dbSize", "_shown", "/kind",
				"v/hasDatabase", "true", "v/dbSize", "large", "v/kind", "service"),
			want: map[string]any{"hasDatabase": true, "dbSize": "large", "kind": "service"},
		},
		{
			name: "unticking drops it",
			posted: formOf("_shown", "/hasDatabase", "_shown", "/dbSize", "_shown", "/kind",
				"v/dbSize", "large", "v/kind", "service"),
			want: map[string]any{"hasDatabase": false, "kind": "service"},
		},
		{
			name:    "if/then on the submitted value",
			posted:  formOf("_shown", "/hasDatabase", "_shown", "/kind", "v/kind", "library"),
			want:    map[string]any{"hasDatabase": false, "kind": "library"},
			changed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.Parse(tt.posted, nil)
			if diff := cmp.Diff(tt.want, res.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if res.Changed != tt.changed {
				t.Errorf("changed = %v, want %v", res.Changed, tt.changed)
			}
		})
	}
}

func TestParseExtensions(t *testing.T) {
	page := `
properties:
  name: {type: string, ui:field: EntityNamePicker}
  owner: {type: string, ui:field: OwnerPicker}
  system: {type: string, ui:field: EntityPicker, ui:options: {allowedKinds: [System]}}
  free: {type: string, ui:field: EntityPicker}
  deps: {type: array, ui:field: MultiEntityPicker, ui:options: {defaultKind: Component, defaultNamespace: ops}}
  tags: {type: array, ui:field: EntityTagsPicker}
  repoUrl:
    type: string
    ui:field: RepoUrlPicker
    ui:options: {allowedHosts: [github.com], allowedOwners: [tide]}
  token: {type: string, ui:field: Secret}
  apiKey: {type: string, ui:field: Secret}
`
	f := New(schemaOf(t, page))
	shown := []string{}
	for _, p := range []string{"/name", "/owner", "/system", "/free", "/deps", "/tags", "/repoUrl", "/token", "/apiKey"} {
		shown = append(shown, "_shown", p)
	}
	tests := []struct {
		name     string
		posted   []string
		prev     map[string]any
		want     map[string]any
		secrets  map[string]string
		kept     []string
		problems []Problem
	}{
		{
			name: "values as Backstage's fields make them",
			posted: []string{
				"v/name", "tide-clock", "v/owner", "harbour", "v/system", "ticketing", "v/free", "anything",
				"v/deps", "booking", "v/deps", "api:default/x", "v/tags", "go", "v/tags", "web-ui",
				"r.host/repoUrl", "github.com", "r.owner/repoUrl", "tide", "r.repo/repoUrl", "clock & co",
				"v/token", "s3cr3t", "v/apiKey", "",
			},
			want: map[string]any{
				"name": "tide-clock", "owner": "group:default/harbour", "system": "system:default/ticketing", "free": "anything",
				"deps": []any{"component:ops/booking", "api:default/x"}, "tags": []any{"go", "web-ui"},
				"repoUrl": "github.com?owner=tide&repo=clock+%26+co", "token": "******",
			},
			secrets: map[string]string{"token": "s3cr3t"},
		},
		{
			name: "a kept secret stays when left empty",
			posted: []string{
				"_secretset", "/token", "v/token", "",
			},
			prev:    map[string]any{"token": "****"},
			want:    map[string]any{"token": "****"},
			secrets: map[string]string{},
			kept:    []string{"token"},
		},
		{
			name: "the extensions' own rules",
			posted: []string{
				"v/name", "-bad-", "v/tags", "Go", "r.host/repoUrl", "gitlab.com", "r.owner/repoUrl", "other",
			},
			want:    map[string]any{"name": "-bad-", "tags": []any{"Go"}, "repoUrl": "gitlab.com?owner=other"},
			secrets: map[string]string{},
			problems: []Problem{
				{Path: Path{"name"}, Message: "Use 1 to 63 letters and digits, with - _ or . between them."},
				{Path: Path{"repoUrl"}, Message: "The host gitlab.com is not one of the allowed hosts."},
				{Path: Path{"repoUrl"}, Message: "The owner other is not one of the allowed owners."},
				{Path: Path{"repoUrl"}, Message: "Enter the name of the repository."},
				{Path: Path{"tags"}, Message: `"Go" is not a valid tag: use lower-case letters, digits and + # : in words joined by single dashes, at most 63 characters.`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.Parse(formOf(append(shown, tt.posted...)...), tt.prev)
			if diff := cmp.Diff(tt.want, res.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.secrets, res.Secrets); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.kept, res.Kept); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			sortProblems := cmpopts.SortSlices(func(a, b Problem) bool { return a.Path.Pointer()+a.Message < b.Path.Pointer()+b.Message })
			if diff := cmp.Diff(tt.problems, res.Problems, sortProblems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseChoices(t *testing.T) {
	f := New(schemaOf(t, `
oneOf:
  - title: Git
    properties: {repo: {type: string}}
  - title: Archive
    properties: {archive: {type: string}}
`))
	// Switching options drops the other option's fields; the new ones
	// show, empty, for the user to fill in.
	res := f.Parse(formOf("_choice", "1", "_shown", "/repo", "v/repo", "x", "v/archive", "y"), nil)
	if diff := cmp.Diff(map[string]any{}, res.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if !res.Changed {
		t.Error("switching options did not report a changed page")
	}
	if diff := cmp.Diff(map[string]int{"": 1}, res.Choices); diff != "" {
		t.Errorf("choices (-want +got):\n%s", diff)
	}
	res = f.Parse(formOf("_choice", "1", "_shown", "/archive", "v/archive", "y"), nil)
	if diff := cmp.Diff(map[string]any{"archive": "y"}, res.Values); diff != "" || res.Changed {
		t.Errorf("changed = %v, values (-want +got):\n%s", res.Changed, diff)
	}
	// The option in force renders as chosen.
	v, err := f.View(context.Background(), State{Values: res.Values, Choices: res.Choices})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(v.HTML), `<option value="1" selected>Archive</option>`) || !strings.Contains(string(v.HTML), `name="v/archive"`) {
		t.Errorf("the chosen option is not shown:\n%s", v.HTML)
	}
}

func TestDefaults(t *testing.T) {
	f := New(schemaOf(t, `
properties:
  kind: {type: string, default: library}
  token: {type: string, ui:field: Secret, default: nope}
  meta:
    type: object
    properties:
      tier: {type: integer, default: 2}
      tags: {type: array, default: [a]}
if:
  properties: {kind: {const: library}}
then:
  properties: {language: {type: string, default: go}}
`))
	got := f.Defaults(map[string]any{"meta": map[string]any{"tier": 3}, "other": 1}, nil)
	want := map[string]any{
		"kind": "library", "language": "go", "other": 1,
		"meta": map[string]any{"tier": 3, "tags": []any{"a"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestReview(t *testing.T) {
	f := New(schemaOf(t, `
required: [name]
ui:order: [name, '*']
properties:
  name: {title: Name, type: string}
  size: {title: Size, type: string, enum: [s, m], enumNames: [Small, Medium]}
  public: {title: Public, type: boolean}
  langs: {title: Languages, type: array, items: {type: string}}
  token: {title: Token, type: string, ui:field: Secret}
  password: {title: Password, type: string, ui:widget: password}
  internal: {type: string, ui:backstage: {review: {show: false}}}
  code: {title: Code, type: string, ui:backstage: {review: {mask: '<hidden>'}}}
  meta:
    title: Meta
    type: object
    properties: {team: {title: Team, type: string}}
  raw:
    title: Raw
    type: object
    ui:backstage: {review: {explode: false}}
    properties: {a: {type: integer}}
`))
	got := f.Review(map[string]any{
		"name": "tide", "size": "m", "public": false, "langs": []any{"go", "java"}, "token": "***",
		"password": "pw", "internal": "x", "code": "1234", "meta": map[string]any{"team": "harbour"},
		"raw": map[string]any{"a": 1.0},
	}, nil)
	want := []ReviewItem{
		{Label: "Name", Value: "tide"},
		{Label: "Code", Value: "<hidden>", Masked: true},
		{Label: "Languages", Value: "go, java"},
		{Label: "Meta › Team", Value: "harbour"},
		{Label: "Password", Value: "******", Masked: true},
		{Label: "Public", Value: "No"},
		{Label: "Raw", Value: `{"a":1}`},
		{Label: "Size", Value: "Medium"},
		{Label: "Token", Value: "******", Masked: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("review (-want +got):\n%s", diff)
	}
}

func TestSecretFields(t *testing.T) {
	f := New(schemaOf(t, `
properties:
  token: {type: string, ui:field: Secret}
  auth:
    type: object
    properties:
      password: {type: string, ui:field: Secret}
  useKey: {type: boolean}
dependencies:
  useKey:
    oneOf:
      - properties: {useKey: {const: true}, key: {type: string, ui:field: Secret}}
      - properties: {useKey: {const: false}}
`))
	got := f.SecretFields(map[string]any{"useKey": true}, nil)
	want := []Path{{"token"}, {"auth", "password"}, {"key"}}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b Path) bool { return a.Pointer() < b.Pointer() })); diff != "" {
		t.Errorf("secret fields (-want +got):\n%s", diff)
	}
	if got := f.SecretFields(map[string]any{"useKey": false}, nil); len(got) != 2 {
		t.Errorf("with the condition off: %v", got)
	}
}
