package entity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type kindCase struct {
	name   string
	doc    string
	wantOK bool
	want   string // the error text, "" when valid
}

// kindCases are shared with the cross-check against the upstream schemas.
var kindCases = []kindCase{
	{"component", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"service","lifecycle":"production","owner":"me","providesApis":["x"],"custom":{"any":1}}}`, true, ""},
	{"component v1beta1", `{"apiVersion":"backstage.io/v1beta1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"service","lifecycle":"production","owner":"me"}}`, true, ""},
	{"component without owner", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"service","lifecycle":"production"}}`, true, "/spec must have required property 'owner' - missingProperty: owner"},
	{"component without spec", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"}}`, true, "<root> must have required property 'spec' - missingProperty: spec"},
	{"component empty spec", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{}}`, true, "/spec must have required property 'type' - missingProperty: type"},
	{"component type not string", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":7,"lifecycle":"production","owner":"me"}}`, true, "/spec/type must be string - type: string"},
	{"component empty lifecycle", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"","owner":"me"}}`, true, "/spec/lifecycle must NOT have fewer than 1 characters - limit: 1"},
	{"component null system", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"l","owner":"me","system":null}}`, true, "/spec/system must be string - type: string"},
	{"component dependsOn item", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"l","owner":"me","dependsOn":["resource:x",""]}}`, true, "/spec/dependsOn/1 must NOT have fewer than 1 characters - limit: 1"},
	{"component consumesApis not array", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"l","owner":"me","consumesApis":"x"}}`, true, "/spec/consumesApis must be array - type: array"},
	{"component spec is an array", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":[]}`, true, "/spec must be object - type: object"},
	{"component bad tag", `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","tags":[""]},"spec":{"type":"s","lifecycle":"l","owner":"me"}}`, true, "/metadata/tags/0 must NOT have fewer than 1 characters - limit: 1"},
	{"unknown kind", `{"apiVersion":"backstage.io/v1alpha1","kind":"Unknown","metadata":{"name":"a"},"spec":{}}`, false, ""},
	{"unknown apiVersion", `{"apiVersion":"backstage.io/v1alpha7","kind":"Component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"l","owner":"me"}}`, false, ""},
	{"unknown kind and apiVersion", `{"apiVersion":"x/v1","kind":"Thing","metadata":{"name":"a"}}`, false, ""},
	{"not mine despite other faults", `{"apiVersion":"backstage.io/v1alpha1","kind":"Unknown","metadata":{"name":"a"},"spec":7}`, false, ""},
	{"kind case matters", `{"apiVersion":"backstage.io/v1alpha1","kind":"component","metadata":{"name":"a"},"spec":{"type":"s","lifecycle":"l","owner":"me"}}`, false, ""},
	{"api", `{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"a"},"spec":{"type":"openapi","lifecycle":"production","owner":"me","definition":"openapi: 3.0.0"}}`, true, ""},
	{"api without definition", `{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"a"},"spec":{"type":"openapi","lifecycle":"production","owner":"me"}}`, true, "/spec must have required property 'definition' - missingProperty: definition"},
	{"api definition object", `{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"a"},"spec":{"type":"openapi","lifecycle":"production","owner":"me","definition":{"$text":"./x.yaml"}}}`, true, "/spec/definition must be string - type: string"},
	{"mcp-server api as stock Backstage sees it", `{"apiVersion":"backstage.io/v1alpha1","kind":"API","metadata":{"name":"a"},"spec":{"type":"mcp-server","lifecycle":"experimental","owner":"me","remotes":[{"type":"streamable-http","url":"http://localhost/mcp"}]}}`, true, "/spec must have required property 'definition' - missingProperty: definition"},
	{"ai resource is not a built-in kind", `{"apiVersion":"backstage.io/v1alpha1","kind":"AiResource","metadata":{"name":"a"},"spec":{"type":"skill","lifecycle":"production","owner":"me"}}`, false, ""},
	{"resource", `{"apiVersion":"backstage.io/v1alpha1","kind":"Resource","metadata":{"name":"a"},"spec":{"type":"database","owner":"me","dependsOn":["resource:b"]}}`, true, ""},
	{"resource without type", `{"apiVersion":"backstage.io/v1alpha1","kind":"Resource","metadata":{"name":"a"},"spec":{"owner":"me"}}`, true, "/spec must have required property 'type' - missingProperty: type"},
	{"system", `{"apiVersion":"backstage.io/v1alpha1","kind":"System","metadata":{"name":"a"},"spec":{"owner":"me","domain":"d"}}`, true, ""},
	{"system empty domain", `{"apiVersion":"backstage.io/v1alpha1","kind":"System","metadata":{"name":"a"},"spec":{"owner":"me","domain":""}}`, true, "/spec/domain must NOT have fewer than 1 characters - limit: 1"},
	{"domain", `{"apiVersion":"backstage.io/v1alpha1","kind":"Domain","metadata":{"name":"a"},"spec":{"owner":"me","subdomainOf":"b","type":"product-group"}}`, true, ""},
	{"domain without owner", `{"apiVersion":"backstage.io/v1alpha1","kind":"Domain","metadata":{"name":"a"},"spec":{}}`, true, "/spec must have required property 'owner' - missingProperty: owner"},
	{"group", `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"a"},"spec":{"type":"team","children":[],"profile":{"displayName":"A","email":"a@example.com"},"members":["u"]}}`, true, ""},
	{"group without children", `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"a"},"spec":{"type":"team"}}`, true, "/spec must have required property 'children' - missingProperty: children"},
	{"group profile type", `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"a"},"spec":{"type":"team","children":[],"profile":"x"}}`, true, "/spec/profile must be object - type: object"},
	{"group empty picture", `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"a"},"spec":{"type":"team","children":[],"profile":{"picture":""}}}`, true, "/spec/profile/picture must NOT have fewer than 1 characters - limit: 1"},
	{"user", `{"apiVersion":"backstage.io/v1alpha1","kind":"User","metadata":{"name":"a"},"spec":{"memberOf":["g"],"profile":{"email":"a@example.com"}}}`, true, ""},
	{"user without memberOf", `{"apiVersion":"backstage.io/v1alpha1","kind":"User","metadata":{"name":"a"},"spec":{}}`, true, "/spec must have required property 'memberOf' - missingProperty: memberOf"},
	{"user memberOf item type", `{"apiVersion":"backstage.io/v1alpha1","kind":"User","metadata":{"name":"a"},"spec":{"memberOf":[1]}}`, true, "/spec/memberOf/0 must be string - type: string"},
	{"location", `{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"a"},"spec":{"type":"url","targets":["./a.yaml"],"presence":"optional"}}`, true, ""},
	{"location empty spec", `{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"a"},"spec":{}}`, true, ""},
	{"location bad presence", `{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"a"},"spec":{"presence":"maybe"}}`, true, "/spec/presence must be equal to one of the allowed values - allowedValues: required,optional"},
	{"location presence type", `{"apiVersion":"backstage.io/v1alpha1","kind":"Location","metadata":{"name":"a"},"spec":{"presence":true}}`, true, "/spec/presence must be string - type: string"},
	{"template", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","owner":"me","parameters":[{"title":"x","properties":{}}],"steps":[{"id":"fetch","action":"fetch:template","input":{"url":"./skeleton"},"if":true}],"output":{"links":[{"title":"Repo","url":"${{ steps.publish.output.remoteUrl }}"}],"extra":"x"}}}`, true, ""},
	{"template parameters object", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","parameters":{"properties":{}},"steps":[]}}`, true, ""},
	{"template without steps", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service"}}`, true, "/spec must have required property 'steps' - missingProperty: steps"},
	{"template step without action", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[{"id":"a"}]}}`, true, "/spec/steps/0 must have required property 'action' - missingProperty: action"},
	{"template step if", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[{"action":"a","if":1}]}}`, true, "/spec/steps/0/if must be string,boolean - type: string,boolean"},
	{"template parameters string", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","parameters":"x","steps":[]}}`, true, "/spec/parameters must be object - type: object"},
	{"template permissions tags", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","parameters":[{"backstage:permissions":{"tags":[1]}}],"steps":[]}}`, true, "/spec/parameters must be object - type: object"},
	{"template output extra not string", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[],"output":{"x":1}}}`, true, "/spec/output/x must be string - type: string"},
	{"template output link empty url", `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[],"output":{"links":[{"url":""}]}}}`, true, "/spec/output/links/0/url must NOT have fewer than 1 characters - limit: 1"},
	{"template old apiVersion", `{"apiVersion":"backstage.io/v1beta2","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[]}}`, false, ""},
	{"template with backstage apiVersion", `{"apiVersion":"backstage.io/v1alpha1","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","steps":[]}}`, false, ""},
}

func TestValidateKind(t *testing.T) {
	for _, tt := range kindCases {
		t.Run(tt.name, func(t *testing.T) {
			var ok bool
			var err error
			if e, ferr := FromMap(doc(t, tt.doc)); ferr == nil {
				ok, err = ValidateKind(e)
			} else {
				// No Entity can hold this spec; check the document form.
				ok, err = validateKindDoc(doc(t, tt.doc))
			}
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, errText(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateKindRelationsAndStatus(t *testing.T) {
	e, err := FromMap(doc(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","namespace":"default"},
		"spec":{"type":"s","lifecycle":"l","owner":"me"},
		"relations":[{"type":"ownedBy","targetRef":"group:default/me"}],
		"status":{"items":[{"type":"backstage.io/catalog-processing","level":"error","message":"m","error":{"name":"InputError","message":"m"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := ValidateKind(e); !ok || err != nil {
		t.Fatalf("ValidateKind = %v, %v; want true, nil", ok, err)
	}
	e.Relations[0].Type = "owned-by"
	_, err = ValidateKind(e)
	if diff := cmp.Diff(`/relations/0/type must match pattern "^\w+$" - pattern: ^\w+$`, errText(err)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}
