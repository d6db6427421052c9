package builtin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/plugin"
)

// TestBackstageErrorTexts processes one bad input per error of Backstage's
// validation (§b.2) and processing (§c.5–c.8) through the real orchestrator
// and built-in processors, and checks the serialized error — name and
// message with its causes — is worded as Backstage words it, so runbooks
// and searches written for Backstage still apply.
func TestBackstageErrorTexts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	catalogFile := write("catalog-info.yaml", "")
	write("two-docs.yaml", "a: 1\n---\nb: 2\n")
	write("broken.yaml", "kind: [unclosed\n")
	write("scalar.yaml", "just a string\n")
	write("group.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n")
	loc := "file:" + catalogFile

	component := func(mutate func(e map[string]any)) map[string]any {
		e := map[string]any{
			"apiVersion": "backstage.io/v1alpha1",
			"kind":       "Component",
			"metadata": map[string]any{"name": "svc", "annotations": map[string]any{
				entity.AnnotationManagedByLocation:       loc,
				entity.AnnotationManagedByOriginLocation: loc,
			}},
			"spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
		}
		mutate(e)
		return e
	}
	meta := func(e map[string]any) map[string]any { return e["metadata"].(map[string]any) }
	spec := func(e map[string]any) map[string]any { return e["spec"].(map[string]any) }
	location := func(target string) map[string]any {
		return component(func(e map[string]any) {
			e["kind"] = "Location"
			e["spec"] = map[string]any{"type": "file", "target": target}
		})
	}
	const adr = `. To learn more about catalog file format, visit: https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md`

	tests := []struct {
		name   string
		entity map[string]any
		rules  []catalog.Rule
		extra  []plugin.Processor
		want   string // name: message, as in status.items
	}{
		// §c.5 step 1: the envelope before processing.
		{"envelope before processing", component(func(e map[string]any) { delete(e, "kind") }), nil, nil,
			"InputError: Entity envelope failed validation before processing; caused by Error: <root> must have required property 'kind' - missingProperty: kind"},
		// §b.2 policies.
		{"malformed envelope", component(func(e map[string]any) { meta(e)["tags"] = "java" }), nil, nil,
			"InputError: Policy check failed for component:default/svc; caused by Error: Malformed envelope, /metadata/tags must be array"},
		{"foreign root field", component(func(e map[string]any) { e["relations"] = []any{} }), nil, nil,
			"InputError: Policy check failed for component:default/svc; caused by Error: Unknown field relations"},
		{"name format", component(func(e map[string]any) { meta(e)["name"] = "-bad-" }), nil, nil,
			`InputError: Policy check failed for component:default/-bad-; caused by Error: "metadata.name" is not valid; expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found "-bad-"` + adr},
		{"namespace format", component(func(e map[string]any) { meta(e)["namespace"] = "Upper" }), nil, nil,
			`InputError: Policy check failed for component:upper/svc; caused by Error: "metadata.namespace" is not valid; expected a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total but found "Upper"` + adr},
		{"tag format", component(func(e map[string]any) { meta(e)["tags"] = []any{"Java"} }), nil, nil,
			`InputError: Policy check failed for component:default/svc; caused by Error: "tags.0" is not valid; expected a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total but found "Java"` + adr},
		{"label key format", component(func(e map[string]any) { meta(e)["labels"] = map[string]any{"a b": "x"} }), nil, nil,
			`InputError: Policy check failed for component:default/svc; caused by Error: "labels.a b" is not valid; expected a valid prefix and/or suffix but found "a b"` + adr},
		{"link url", component(func(e map[string]any) { meta(e)["links"] = []any{map[string]any{"url": "not a url"}} }), nil, nil,
			`InputError: Policy check failed for component:default/svc; caused by Error: "links.0.url" is not valid; expected a string that is a valid url but found "not a url"` + adr},
		// §b.2 step 5: kind validation.
		{"foreign kind", component(func(e map[string]any) { e["kind"] = "Widget" }), nil, nil,
			"InputError: No processor recognized the entity widget:default/svc as valid, possibly caused by a foreign kind or apiVersion"},
		{"kind schema", component(func(e map[string]any) { delete(spec(e), "owner") }), nil, nil,
			"InputError: Processor BuiltinKindsEntityProcessor threw an error while validating the entity component:default/svc; caused by Error: /spec must have required property 'owner' - missingProperty: owner"},
		// §c.5: a processor that breaks the envelope or the ref.
		// Policies run before the envelope is checked again, as in Backstage,
		// so with the default policies a pre-processor that breaks the
		// envelope is caught by the schema policy; the ConflictError "Entity
		// envelope for <ref> failed validation after preprocessing" needs a
		// policy set that lets a broken envelope through.
		{"envelope broken by a pre-processor", component(func(map[string]any) {}), nil, []plugin.Processor{breakEnvelope{}},
			"InputError: Policy check failed for :default/svc; caused by Error: Malformed envelope, <root> must have required property 'kind'"},
		{"ref changed", component(func(map[string]any) {}), nil, []plugin.Processor{rename{}},
			"ConflictError: Fatal: The entity kind, namespace, or name changed during processing"},
		// §c.6 Location reading and parsing.
		{"no reader", component(func(e map[string]any) {
			e["kind"] = "Location"
			e["spec"] = map[string]any{"type": "weird", "target": "x"}
		}), nil, nil,
			"InputError: No processor was able to handle reading of weird:x"},
		{"missing file", location("./missing.yaml"), nil, nil,
			"NotFoundError: file " + filepath.Join(dir, "missing.yaml") + " does not exist"},
		{"yaml syntax", location("./broken.yaml"), nil, nil,
			"Error: YAML error at file:" + filepath.Join(dir, "broken.yaml") + ", did not find expected ',' or ']' (while parsing a flow sequence) at line 2, column 1"},
		{"root not an object", location("./scalar.yaml"), nil, nil,
			"Error: Expected object at root, got string"},
		// §c.7 placeholders.
		{"placeholder unreadable", component(func(e map[string]any) { spec(e)["definition"] = map[string]any{"$text": "./nope.txt"} }), nil, nil,
			"InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: Placeholder $text could not read location ./nope.txt, "},
		{"yaml placeholder documents", component(func(e map[string]any) { spec(e)["definition"] = map[string]any{"$yaml": "./two-docs.yaml"} }), nil, nil,
			"InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: Placeholder $yaml expected to find exactly one document of data at ./two-docs.yaml, found 2"},
		// §c.8 catalog.rules, checked against the origin location; "at" names
		// the location of the entity being processed, as Backstage's
		// context.location does.
		{"rules", location("./group.yaml"), []catalog.Rule{{Allow: []catalog.RuleKind{{Kind: "Component"}, {Kind: "Location"}}}}, nil,
			"NotAllowedError: Entity group:default/g at " + loc + ", originated at " + loc + ", is not of an allowed kind for that location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := catalog.NewRules(tt.rules, nil)
			if err != nil {
				t.Fatal(err)
			}
			procs := append(append([]plugin.Processor{}, tt.extra...), builtin.Processors(builtin.Options{})...)
			o := catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: procs, Rules: rules})
			res := o.Process(context.Background(), catalog.ProcessRequest{Entity: tt.entity})
			if res.OK {
				t.Fatalf("processing succeeded; want %q", tt.want)
			}
			var got []string
			for _, e := range res.Errors {
				got = append(got, e.Name+": "+e.Message)
			}
			for _, g := range got {
				if g == tt.want || (strings.HasSuffix(tt.want, ", ") && strings.HasPrefix(g, tt.want)) {
					return
				}
			}
			t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), tt.want)
		})
	}
}

// breakEnvelope drops kind while pre-processing.
type breakEnvelope struct{}

func (breakEnvelope) Name() string { return "BreakEnvelope" }
func (breakEnvelope) PreProcessEntity(_ context.Context, data map[string]any, _ plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range data {
		if k != "kind" {
			out[k] = v
		}
	}
	return out, nil
}

// rename changes the entity's name while pre-processing.
type rename struct{}

func (rename) Name() string { return "Rename" }
func (rename) PreProcessEntity(_ context.Context, data map[string]any, _ plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range data {
		out[k] = v
	}
	md := map[string]any{}
	for k, v := range data["metadata"].(map[string]any) {
		md[k] = v
	}
	md["name"] = "other"
	out["metadata"] = md
	return out, nil
}
