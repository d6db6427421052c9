package form

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// fuzzPage has a field of every kind Parse reads.
const fuzzPage = `
required: [name]
properties:
  name: {type: string, ui:field: EntityNamePicker}
  count: {type: integer}
  ratio: {type: number}
  public: {type: boolean}
  ci: {type: boolean, ui:widget: radio}
  size: {type: string, enum: [s, m]}
  tier: {type: integer, oneOf: [{const: 1}, {const: 2}]}
  langs: {type: array, items: {type: string, enum: [go, java]}}
  aliases: {type: array, items: {type: number}}
  owner: {type: string, ui:field: OwnerPicker}
  deps: {type: array, ui:field: MultiEntityPicker}
  tags: {type: array, ui:field: EntityTagsPicker}
  repoUrl: {type: string, ui:field: RepoUrlPicker, ui:options: {allowedHosts: [github.com]}}
  token: {type: string, ui:field: Secret}
  meta:
    type: object
    properties:
      team: {type: string}
  entries:
    type: array
    items: {type: object, properties: {key: {type: string}, on: {type: boolean}}}
dependencies:
  public:
    oneOf:
      - properties: {public: {const: true}, visibility: {type: string}}
      - properties: {public: {const: false}}
if:
  properties: {size: {const: m}}
then:
  properties: {medium: {type: string}}
oneOf:
  - title: A
    properties: {a: {type: string}}
  - title: B
    properties: {b: {type: string}}
`

// FuzzParse feeds arbitrary submissions to Parse: it never panics, its
// values encode as JSON, secrets reach the values only as asterisks, and
// the page renders again from what it read without writing the secret
// back.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"_shown=/name&v/name=tide&_shown=/count&v/count=12",
		"_shown=/token&v/token=s3cr3t&_shown=/public&v/public=true",
		"_shown=/entries/0/key&v/entries/0/key=k&_shown=/entries/5/on&v/entries/5/on=true",
		"_choice=1&_choice/meta=-3&_shown=/b&v/b=x",
		"r.host/repoUrl=github.com&r.owner/repoUrl=a%26b&r.repo/repoUrl=c",
		"_secretset=/token&v/token=&_shown=/token",
		"v/ratio=1e400&_shown=/ratio&v/aliases=NaN&_shown=/aliases",
		"_shown=/deps&v/deps=a:b/c&v/deps=::&v/tags=Bad Tag&_shown=/tags",
	} {
		f.Add(seed)
	}
	schema := schemaOf(f, fuzzPage)
	f.Fuzz(func(t *testing.T, raw string) {
		posted, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		form := New(schema)
		res := form.Parse(posted, nil)
		b, err := json.Marshal(res.Values)
		if err != nil {
			t.Fatalf("values do not encode: %v", err)
		}
		if tok, ok := res.Values["token"].(string); ok && strings.Trim(tok, "*") != "" {
			t.Fatalf("the secret field's value is %q, not asterisks", tok)
		}
		secret := res.Secrets["token"]
		view, err := form.View(context.Background(), State{
			Values:   res.Values,
			Problems: res.Problems,
			Choices:  res.Choices,
		})
		if err != nil {
			t.Fatalf("render: %v (values %s)", err, b)
		}
		if secret != "" && strings.Contains(string(view.HTML), `name="v/token" type="password" value="`+secret) {
			t.Fatal("the page writes the secret back")
		}
		again := form.Parse(submit(t, string(view.HTML)), nil)
		if _, err := json.Marshal(again.Values); err != nil {
			t.Fatalf("values read back do not encode: %v", err)
		}
	})
}
