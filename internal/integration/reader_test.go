package integration_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/integration"
	"github.com/callboard/callboard/internal/integration/azure"
	"github.com/callboard/callboard/internal/integration/bitbucket"
	"github.com/callboard/callboard/internal/integration/forgetest"
	"github.com/callboard/callboard/internal/integration/gitea"
	"github.com/callboard/callboard/internal/integration/github"
	"github.com/callboard/callboard/internal/integration/gitlab"
	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

func hostOf(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

// The reader sends a forge host's URLs to its forge, whether or not the
// host is in reading.allow, and other URLs to plain HTTP, which only reads
// allowed hosts.
func TestReaderDispatchesByHost(t *testing.T) {
	api := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/org/repo/contents/x.yaml" || r.Header.Get("Authorization") != "Bearer tok" {
			http.NotFound(w, r)
			return
		}
		forgetest.ServeFile(w, r, "from github")
	}))
	plain := forgetest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forgetest.ServeFile(w, r, "from plain "+r.URL.Path)
	}))
	r, err := integration.New(integration.Config{GitHub: []github.Config{{Token: "tok", APIBaseURL: api.URL}}},
		integration.Options{ReadingAllow: []builtin.AllowRule{{Host: hostOf(plain.URL)}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if body, _, _, err := r.Read(ctx, "https://github.com/org/repo/blob/main/x.yaml", ""); err != nil || string(body) != "from github" {
		t.Errorf("github.com = %q, %v", body, err)
	}
	if body, _, _, err := r.Read(ctx, plain.URL+"/a.yaml", ""); err != nil || string(body) != "from plain /a.yaml" {
		t.Errorf("allowed plain host = %q, %v", body, err)
	}
	if _, _, _, err := r.Read(ctx, "https://elsewhere.example.com/a.yaml", ""); !problem.Is(err, problem.NotAllowedError) {
		t.Errorf("host neither a forge nor allowed: %v", err)
	}
	if _, _, _, err := r.Search(ctx, plain.URL+"/*.yaml", ""); !errors.Is(err, builtin.ErrSearchNotSupported) {
		t.Errorf("search of a plain host: %v", err)
	}
	if _, _, _, err := r.Read(ctx, "https://github.com/org/repo", ""); !problem.Is(err, problem.InputError) {
		t.Errorf("a github.com URL that names no file: %v", err)
	}
	if _, _, _, err := r.Read(ctx, "relative.yaml", ""); !problem.Is(err, problem.InputError) {
		t.Errorf("relative URL: %v", err)
	}
	hosts := r.Hosts()
	slices.Sort(hosts)
	want := []string{"bitbucket.org", "dev.azure.com", "github.com", "gitlab.com", "raw.githubusercontent.com"}
	if diff := cmp.Diff(want, hosts); diff != "" {
		t.Errorf("default hosts (-want +got):\n%s", diff)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		cfg  integration.Config
		want string
	}{
		{integration.Config{Gitea: []gitea.Config{{}}}, "integrations.gitea[0]: host is required"},
		{integration.Config{GitHub: []github.Config{{Host: "git.example.com"}}, GitLab: []gitlab.Config{{Host: "GIT.example.com"}}},
			"integrations.gitlab[0]: host git.example.com is configured more than once"},
		{integration.Config{BitbucketServer: []bitbucket.ServerConfig{{Host: "x", Username: "u"}}}, "integrations.bitbucketServer[0]: username and password go together"},
		{integration.Config{Azure: []azure.Config{{Credentials: []azure.Credential{{}}}}}, "integrations.azure[0]: credentials[0]: personalAccessToken or clientId is required"},
	}
	for _, tt := range tests {
		_, err := integration.New(tt.cfg, integration.Options{})
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	_, err := integration.New(integration.Config{}, integration.Options{ReadingAllow: []builtin.AllowRule{{Host: "example.com:99999"}}})
	if err == nil || !strings.HasPrefix(err.Error(), "backend.reading.allow: ") {
		t.Errorf("invalid reading.allow: %v", err)
	}
}

// Backstage's integrations shape decodes from app-config, with the
// rateLimit extension, and draws no unknown-key warnings.
func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app-config.yaml")
	err := os.WriteFile(file, []byte(`integrations:
  github:
    - host: github.com
      token: ${GITHUB_TOKEN}
    - host: ghe.example.com
      apiBaseUrl: https://ghe.example.com/api/v3
      apps:
        - appId: 12345
          privateKey: key
          clientId: Iv1.x
          clientSecret: s
          webhookSecret: w
          allowedInstallationOwners: [org]
      rateLimit: {requests: 1000, period: 30m, maxWait: 2 minutes}
  gitlab:
    - host: gitlab.example.com
      token: glpat
      baseUrl: https://gitlab.example.com
  bitbucketCloud:
    - username: u
      appPassword: p
  bitbucketServer:
    - host: bitbucket.example.com
      token: t
  azure:
    - host: dev.azure.com
      credentials:
        - organizations: [org]
          personalAccessToken: pat
  gitea:
    - host: gitea.example.com
      username: u
      password: p
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.LoadEnviron([]string{file}, []string{"GITHUB_TOKEN=ghp_x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	got, err := integration.FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := integration.Config{
		GitHub: []github.Config{
			{Host: "github.com", Token: "ghp_x"},
			{Host: "ghe.example.com", APIBaseURL: "https://ghe.example.com/api/v3",
				Apps:      []github.AppConfig{{AppID: "12345", PrivateKey: "key", ClientID: "Iv1.x", ClientSecret: "s", WebhookSecret: "w", AllowedInstallationOwners: []string{"org"}}},
				RateLimit: ratelimit.Config{Requests: 1000, Period: 30 * time.Minute, MaxWait: 2 * time.Minute}},
		},
		GitLab:          []gitlab.Config{{Host: "gitlab.example.com", Token: "glpat", BaseURL: "https://gitlab.example.com"}},
		BitbucketCloud:  []bitbucket.CloudConfig{{Username: "u", AppPassword: "p"}},
		BitbucketServer: []bitbucket.ServerConfig{{Host: "bitbucket.example.com", Token: "t"}},
		Azure:           []azure.Config{{Host: "dev.azure.com", Credentials: []azure.Credential{{Organizations: []string{"org"}, PersonalAccessToken: "pat"}}}},
		Gitea:           []gitea.Config{{Host: "gitea.example.com", Username: "u", Password: "p"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	redacted := cfg.Redacted()["integrations"].(map[string]any)["github"].([]any)[0].(map[string]any)
	if redacted["token"] != config.Redaction {
		t.Errorf("the token is not redacted: %v", redacted)
	}
}
