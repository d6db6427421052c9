package scaffolder_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/internal/scaffolder/actions/publish"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
)

// backstageTemplates is Backstage's example templates in the shared
// reference data beside the repository.
var backstageTemplates = filepath.Join("..", "..", "..", "shared", "backstage-ref", "scaffolder-templates")

// builtinEngine is an engine with the real built-in and publish actions
// and no store, as the CLI builds it.
func builtinEngine(t *testing.T) *scaffolder.Engine {
	t.Helper()
	filters := nunjucks.BackstageFilters(nil)
	all := append(actions.Builtin(actions.Deps{Filters: filters}), publish.Actions(publish.Deps{LocalRepositories: []string{os.TempDir()}})...)
	e, err := scaffolder.New(scaffolder.Options{Actions: all, Filters: filters, WorkingDirectory: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestBackstageExampleTemplates checks Backstage's example templates: each
// parses, and the only problem found is an action Callboard does not have
// (notification:send).
func TestBackstageExampleTemplates(t *testing.T) {
	if _, err := os.Stat(backstageTemplates); err != nil {
		t.Skip("Backstage's reference templates are not there")
	}
	e := builtinEngine(t)
	var found int
	err := filepath.WalkDir(backstageTemplates, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "template.yaml" {
			return err
		}
		found++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		tpl, err := scaffolder.ParseTemplate(yamlJSON(t, string(b)))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		for _, problem := range e.Check(tpl) {
			if !strings.Contains(problem.Message, "Template action with ID 'notification:send' is not registered") {
				t.Errorf("%s: %v", p, problem)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 3 {
		t.Errorf("found %d templates", found)
	}
}

// TestBackstageConditionalOutputTemplate dry-runs Backstage's conditional
// output demo: its links and text follow their if conditions.
func TestBackstageConditionalOutputTemplate(t *testing.T) {
	p := filepath.Join(backstageTemplates, "sample-templates", "conditional-output-demo", "template.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skip("Backstage's reference templates are not there")
	}
	e := builtinEngine(t)
	for _, tc := range []struct {
		values     map[string]any
		links      []string
		textTitles []string
	}{
		{map[string]any{"name": "svc", "enableCI": "Yes", "showDetails": true},
			[]string{"https://backstage.io", "https://ci.example.com/svc", "https://ci.example.com/docs"},
			[]string{"Summary", "CI Details", "CI Setup Instructions"}},
		{map[string]any{"name": "svc", "enableCI": "No", "showDetails": false},
			[]string{"https://backstage.io"}, []string{"Summary"}},
	} {
		res, err := e.DryRun(context.Background(), scaffolder.DryRunRequest{Template: yamlJSON(t, string(b)), Values: tc.values})
		if err != nil {
			t.Fatal(err)
		}
		var links, titles []string
		for _, l := range res.Output["links"].([]any) {
			links = append(links, l.(map[string]any)["url"].(string))
		}
		for _, x := range res.Output["text"].([]any) {
			titles = append(titles, x.(map[string]any)["title"].(string))
		}
		if diff := cmp.Diff(tc.links, links); diff != "" {
			t.Errorf("%v: links (-want +got):\n%s", tc.values, diff)
		}
		if diff := cmp.Diff(tc.textTitles, titles); diff != "" {
			t.Errorf("%v: text (-want +got):\n%s", tc.values, diff)
		}
	}
}
