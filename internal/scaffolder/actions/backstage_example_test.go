package actions

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// backstageRef is Backstage's reference material beside the repository.
const backstageRef = "../../../../shared/backstage-ref"

// TestBackstageExampleSkeleton renders the skeleton of Backstage's example
// Node.js template as its fetch:template step does.
func TestBackstageExampleSkeleton(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join(backstageRef, "scaffolder-templates", "create-app-default-app", "examples", "template"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err != nil {
		t.Skipf("Backstage's example template is not available: %v", err)
	}
	r := newRun(t, map[string]any{"url": "./content", "values": map[string]any{"name": "my-service"}})
	r.ac.Template.BaseURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	if err := fetchTemplate(testTemplater()).Run(context.Background(), r.ac); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"my-service\"\n" +
			"spec:\n  type: service\n  owner: user:guest\n  lifecycle: experimental\n",
		"package.json": "{\n  \"name\": \"my-service\",\n  \"private\": true,\n  \"dependencies\": {}\n}\n",
	}
	if diff := cmp.Diff(want, readFiles(t, r.ac.Workspace)); diff != "" {
		t.Errorf("rendered skeleton (-want +got):\n%s", diff)
	}
}
