package publish

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/bitbucket"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/scaffolder/repourl"
)

func TestActionsList(t *testing.T) {
	var ids []string
	for _, a := range Actions(Deps{}) {
		ids = append(ids, a.Info().ID)
	}
	want := []string{
		"publish:git", "publish:github", "github:repo:create", "github:repo:push", "publish:github:pull-request",
		"github:actions:dispatch", "github:webhook", "publish:gitlab", "publish:gitlab:merge-request", "publish:gitea",
	}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("action ids (-want +got):\n%s", d)
	}
}

// TestActionSchemas compiles every input and output schema and validates
// each example's input against its action's input schema.
func TestActionSchemas(t *testing.T) {
	for _, a := range Actions(Deps{}) {
		info := a.Info()
		t.Run(info.ID, func(t *testing.T) {
			if info.SupportsDryRun {
				t.Errorf("%s supports dry runs, but it has side effects", info.ID)
			}
			c := jsonschema.NewCompiler()
			for name, s := range map[string]map[string]any{"input": info.Input, "output": info.Output} {
				if s == nil {
					continue
				}
				if err := c.AddResource(name+".json", s); err != nil {
					t.Fatalf("%s schema: %v", name, err)
				}
			}
			in, err := c.Compile("input.json")
			if err != nil {
				t.Fatalf("input schema: %v", err)
			}
			if info.Output != nil {
				if _, err := c.Compile("output.json"); err != nil {
					t.Fatalf("output schema: %v", err)
				}
			}
			if len(info.Examples) == 0 {
				t.Fatal("no example")
			}
			for i, ex := range info.Examples {
				var doc struct {
					Steps []struct {
						Action string         `yaml:"action"`
						Input  map[string]any `yaml:"input"`
					} `yaml:"steps"`
				}
				if err := yaml.Unmarshal([]byte(ex.Example), &doc); err != nil {
					t.Fatalf("example %d: %v", i, err)
				}
				if len(doc.Steps) != 1 || doc.Steps[0].Action != info.ID {
					t.Fatalf("example %d does not run %s: %+v", i, info.ID, doc.Steps)
				}
				if err := in.Validate(jsonValue(doc.Steps[0].Input)); err != nil {
					t.Errorf("example %d input: %v", i, err)
				}
			}
			if err := in.Validate(map[string]any{}); err == nil {
				t.Errorf("an empty input passes, but %s has required inputs", info.ID)
			}
		})
	}
}

// jsonValue converts YAML-decoded values to what JSON decoding gives.
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonValue(e)
		}
		return out
	case int:
		return float64(v)
	default:
		return v
	}
}

func TestHostKinds(t *testing.T) {
	got := HostKinds(integration.Config{
		GitHub:          []github.Config{{Host: "GHE.example.com"}, {}},
		GitLab:          []gitlab.Config{{Host: "gitlab.example.com"}},
		BitbucketServer: []bitbucket.ServerConfig{{Host: "bb.example.com"}},
		Gitea:           []gitea.Config{{Host: "gitea.example.com"}},
	})
	want := repourl.Hosts{
		"github.com": "github", "ghe.example.com": "github", "gitlab.com": "gitlab", "gitlab.example.com": "gitlab",
		"bitbucket.org": "bitbucketCloud", "bb.example.com": "bitbucketServer", "dev.azure.com": "azure",
		"gitea.example.com": "gitea",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("HostKinds (-want +got):\n%s", d)
	}
	r, err := repourl.Parse("ghe.example.com?owner=o&repo=r", got.KindOf)
	if err != nil || r.Owner != "o" {
		t.Errorf("Parse with HostKinds = %+v, %v", r, err)
	}
}

func TestRefName(t *testing.T) {
	for in, want := range map[string]string{
		"user:default/ada": "ada", "group:sre": "sre", "ada": "ada", "default/ada": "ada",
	} {
		if got := refName(in); got != want {
			t.Errorf("refName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRequestAuthor(t *testing.T) {
	configured := newEnv(Deps{DefaultAuthorName: "Portal"})
	unset := newEnv(Deps{})
	tests := []struct {
		name    string
		e       *env
		inName  string
		inEmail string
		want    author
		wantOK  bool
	}{
		{"nobody named", unset, "", "", author{}, false},
		{"inputs", unset, "Ada", "ada@example.com", author{"Ada", "ada@example.com"}, true},
		{"input email only", unset, "", "ada@example.com", author{defaultAuthorName, "ada@example.com"}, true},
		{"configured name", configured, "", "", author{"Portal", defaultAuthorEmail}, true},
		{"inputs before configured", configured, "Ada", "", author{"Ada", defaultAuthorEmail}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.e.requestAuthor(tt.inName, tt.inEmail)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("author (-want +got):\n%s", d)
			}
		})
	}
}
