package repourl

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

var testHosts = Hosts{
	"github.com":       GitHub,
	"ghe.example.com":  GitHub,
	"gitlab.com":       GitLab,
	"gitea.example":    Gitea,
	"bitbucket.org":    BitbucketCloud,
	"bb.example.com":   BitbucketServer,
	"dev.azure.com":    Azure,
	"gerrit.example":   Gerrit,
	"old-bb.example":   Bitbucket,
	"custom.example":   "somethingElse",
	"localhost:8443":   GitHub,
	"review.gerrit.io": Gerrit,
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    RepoURL
		wantErr string
	}{
		{in: "github.com?owner=backstage&repo=my-repo", want: RepoURL{Host: "github.com", Owner: "backstage", Repo: "my-repo"}},
		{in: "GitHub.com?repo=r&owner=o", want: RepoURL{Host: "github.com", Owner: "o", Repo: "r"}},
		{in: "github.com:443?owner=o&repo=r", want: RepoURL{Host: "github.com", Owner: "o", Repo: "r"}},
		{in: "localhost:8443?owner=o&repo=r", want: RepoURL{Host: "localhost:8443", Owner: "o", Repo: "r"}},
		{in: "github.com?owner=o&repo=a+b%2Fc", want: RepoURL{Host: "github.com", Owner: "o", Repo: "a b/c"}},
		{in: "github.com?owner=o&repo=first&repo=second", want: RepoURL{Host: "github.com", Owner: "o", Repo: "first"}},
		{in: "github.com?owner=o", wantErr: "InputError: Invalid repo URL passed to publisher: https://github.com/?owner=o, missing repo"},
		{in: "github.com?repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://github.com/?repo=r, missing owner"},
		{in: "github.com?owner=&repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://github.com/?owner=&repo=r, missing owner"},
		{in: "custom.example?repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://custom.example/?repo=r, missing owner"},
		{in: "gitlab.com?owner=group/sub&repo=p", want: RepoURL{Host: "gitlab.com", Owner: "group/sub", Repo: "p"}},
		{in: "gitlab.com?project=42", want: RepoURL{Host: "gitlab.com", Project: "42"}},
		{in: "gitlab.com?repo=p", wantErr: "InputError: Invalid repo URL passed to publisher: https://gitlab.com/?repo=p, missing owner"},
		{in: "gitea.example?repo=r", want: RepoURL{Host: "gitea.example", Repo: "r"}},
		{in: "gitea.example?owner=o&repo=r", want: RepoURL{Host: "gitea.example", Owner: "o", Repo: "r"}},
		{in: "gitea.example?owner=o", wantErr: "InputError: Invalid repo URL passed to publisher: https://gitea.example/?owner=o, missing repo"},
		{in: "review.gerrit.io?repo=r", want: RepoURL{Host: "review.gerrit.io", Repo: "r"}},
		{in: "bitbucket.org?workspace=w&project=P&repo=r", want: RepoURL{Host: "bitbucket.org", Workspace: "w", Project: "P", Repo: "r"}},
		{in: "bitbucket.org?project=P&repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://bitbucket.org/?project=P&repo=r, missing workspace"},
		{in: "bb.example.com?project=P&repo=r", want: RepoURL{Host: "bb.example.com", Project: "P", Repo: "r"}},
		{in: "bb.example.com?repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://bb.example.com/?repo=r, missing project"},
		{in: "old-bb.example?project=P&repo=r", want: RepoURL{Host: "old-bb.example", Project: "P", Repo: "r"}},
		{in: "dev.azure.com?organization=org&project=P&repo=r", want: RepoURL{Host: "dev.azure.com", Organization: "org", Project: "P", Repo: "r"}},
		{in: "dev.azure.com?organization=org&repo=r", wantErr: "InputError: Invalid repo URL passed to publisher: https://dev.azure.com/?organization=org&repo=r, missing project"},
		{in: "unknown.example?owner=o&repo=r", wantErr: "InputError: No matching integration configuration for host unknown.example, please check your integrations config"},
		{in: "", wantErr: "InputError: Invalid repo URL passed to publisher, got , missing host"},
		{in: "?owner=o&repo=r", wantErr: "InputError: Invalid repo URL passed to publisher, got ?owner=o&repo=r, missing host"},
		{in: "git hub.com?owner=o", wantErr: `InputError: Invalid repo URL passed to publisher, got git hub.com?owner=o, parse "https://git hub.com?owner=o": invalid character " " in host name`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in, testHosts.KindOf)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Parse(%q) error = %v, want %s", tc.in, err, tc.wantErr)
				}
				if !problem.Is(err, problem.InputError) {
					t.Errorf("Parse(%q) error %v is not an InputError", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func TestStringAndMap(t *testing.T) {
	r := RepoURL{Host: "dev.azure.com", Organization: "org", Project: "P Q", Repo: "r&s"}
	if got, want := r.String(), "dev.azure.com?organization=org&project=P+Q&repo=r%26s"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	want := map[string]any{"host": "dev.azure.com", "organization": "org", "project": "P Q", "repo": "r&s"}
	if d := cmp.Diff(want, r.Map()); d != "" {
		t.Errorf("Map() (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]any{"host": "h", "repo": ""}, RepoURL{Host: "h"}.Map()); d != "" {
		t.Errorf("Map() of an empty repo (-want +got):\n%s", d)
	}
}
