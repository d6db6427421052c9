package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

// forge is an OAuth authorization server and user API that follows GitHub's
// or GitLab's documented endpoints, and checks every request our client
// makes against the documentation.
type forge struct {
	t      *testing.T
	srv    *httptest.Server
	paths  forgePaths
	client string
	secret string

	mu        sync.Mutex
	challenge string // the PKCE challenge of the last authorization request
	redirect  string
	calls     []string
	userJSON  string
	emails    string
}

type forgePaths struct {
	authorize, token, user, emails string
	// apiHeaders are headers the user API must receive.
	apiHeaders map[string]string
}

var githubPaths = forgePaths{
	authorize: "/login/oauth/authorize", token: "/login/oauth/access_token",
	user: "/api/v3/user", emails: "/api/v3/user/emails",
	apiHeaders: map[string]string{"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
}

var gitlabPaths = forgePaths{authorize: "/oauth/authorize", token: "/oauth/token", user: "/api/v4/user"}

func startForge(t *testing.T, paths forgePaths, userJSON, emails string) *forge {
	f := &forge{t: t, paths: paths, client: "client-id-123", secret: "client-secret-456", userJSON: userJSON, emails: emails}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *forge) errorf(format string, args ...any) {
	f.t.Helper()
	f.t.Errorf("forge: "+format, args...)
}

func (f *forge) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	switch r.URL.Path {
	case f.paths.authorize:
		q := r.URL.Query()
		if q.Get("client_id") != f.client || q.Get("response_type") != "code" || q.Get("state") == "" ||
			q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("redirect_uri") == "" {
			f.errorf("authorization request %v", q)
		}
		f.challenge, f.redirect = q.Get("code_challenge"), q.Get("redirect_uri")
		back, _ := url.Parse(f.redirect)
		back.RawQuery = url.Values{"code": {"the-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	case f.paths.token:
		if r.Method != http.MethodPost {
			f.errorf("token request method %s", r.Method)
		}
		if err := r.ParseForm(); err != nil {
			f.errorf("token request: %v", err)
		}
		got := map[string]string{}
		for _, k := range []string{"client_id", "client_secret", "code", "redirect_uri", "grant_type"} {
			got[k] = r.PostForm.Get(k)
		}
		want := map[string]string{"client_id": f.client, "client_secret": f.secret, "code": "the-code", "redirect_uri": f.redirect, "grant_type": "authorization_code"}
		if diff := cmp.Diff(want, got); diff != "" {
			f.errorf("token request (-want +got):\n%s", diff)
		}
		if oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != f.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"code_verifier does not match"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"the-access-token","token_type":"bearer","scope":"read:user,user:email","expires_in":7200}`)
	case f.paths.user, f.paths.emails:
		if r.Header.Get("Authorization") != "Bearer the-access-token" {
			f.errorf("%s Authorization = %q", r.URL.Path, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		for k, v := range f.paths.apiHeaders {
			if r.Header.Get(k) != v {
				f.errorf("%s header %s = %q, want %q", r.URL.Path, k, r.Header.Get(k), v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == f.paths.user {
			fmt.Fprint(w, f.userJSON)
		} else {
			fmt.Fprint(w, f.emails)
		}
	default:
		f.errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	}
}

func (f *forge) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func TestGitHubSignIn(t *testing.T) {
	f := startForge(t, githubPaths,
		`{"login":"octocat","name":"The Octocat","email":null,"avatar_url":"https://avatars.example/octocat"}`,
		`[{"email":"old@example.com","primary":false,"verified":true},{"email":"octo@example.com","primary":true,"verified":true}]`)
	yaml := `
auth:
  environment: development
  providers:
    github:
      development:
        clientId: client-id-123
        clientSecret: client-secret-456
        enterpriseInstanceUrl: ` + f.srv.URL + `
        signIn:
          resolvers:
            - resolver: emailMatchingUserEntityProfileEmail
            - resolver: usernameMatchingUserEntityName
`
	h := newHarness(t, yaml, newFakeUsers(user("octocat", "octo@example.com", "group:default/cats"), group("cats")))
	c := browser(t)
	resp, body, _ := follow(t, c, h.base+"/api/auth/github/start?env=development&origin="+url.QueryEscape(h.base))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("frame: %d %s", resp.StatusCode, body)
	}
	msg, _ := frameMessage(t, body)
	if msg.Response == nil {
		t.Fatalf("message = %+v", msg)
	}
	wantProfile := Profile{Email: "octo@example.com", DisplayName: "The Octocat", Picture: "https://avatars.example/octocat"}
	if diff := cmp.Diff(wantProfile, msg.Response.Profile); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	wantInfo := map[string]any{"accessToken": "the-access-token", "scope": "read:user,user:email", "expiresInSeconds": float64(7200)}
	if diff := cmp.Diff(wantInfo, msg.Response.ProviderInfo); diff != "" {
		t.Errorf("providerInfo (-want +got):\n%s", diff)
	}
	if got := msg.Response.BackstageIdentity.Identity.OwnershipEntityRefs; !cmp.Equal(got, []string{"user:default/octocat", "group:default/cats"}) {
		t.Errorf("ownership = %v", got)
	}
	wantCalls := []string{"GET /login/oauth/authorize", "POST /login/oauth/access_token", "GET /api/v3/user", "GET /api/v3/user/emails"}
	if diff := cmp.Diff(wantCalls, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if code, w := h.who(c); code != http.StatusOK || w.UserEntityRef != "user:default/octocat" {
		t.Errorf("session: %d %+v", code, w)
	}
}

func TestGitHubUnverifiedEmailFallsBackToUsername(t *testing.T) {
	// No verified primary address and no public one: the email resolver
	// has nothing to match, the username resolver signs in.
	f := startForge(t, githubPaths, `{"login":"octocat","name":"","email":null}`,
		`[{"email":"octo@example.com","primary":true,"verified":false}]`)
	yaml := `
auth:
  environment: development
  providers:
    github:
      development:
        clientId: client-id-123
        clientSecret: client-secret-456
        enterpriseInstanceUrl: ` + f.srv.URL + `
        signIn:
          resolvers:
            - resolver: emailMatchingUserEntityProfileEmail
            - resolver: usernameMatchingUserEntityName
`
	users := newFakeUsers(user("someone-else", "octo@example.com"), user("octocat", ""))
	h := newHarness(t, yaml, users)
	c := browser(t)
	follow(t, c, h.base+"/api/auth/github/start?env=development&flow=redirect")
	if code, w := h.who(c); code != http.StatusOK || w.UserEntityRef != "user:default/octocat" {
		t.Errorf("signed in as %d %+v, want octocat by username", code, w)
	}
}

func TestGitLabSignIn(t *testing.T) {
	f := startForge(t, gitlabPaths,
		`{"username":"jdoe","name":"Jane Doe","email":"jane@gitlab.example","avatar_url":"https://gitlab.example/a.png","confirmed_at":"2024-01-01T00:00:00Z"}`, "")
	yaml := `
auth:
  environment: development
  providers:
    gitlab:
      development:
        clientId: client-id-123
        clientSecret: client-secret-456
        audience: ` + f.srv.URL + `
        signIn:
          resolvers:
            - resolver: emailLocalPartMatchingUserEntityName
              allowedDomains: [gitlab.example]
`
	h := newHarness(t, yaml, newFakeUsers(user("jane", "")))
	c := browser(t)
	resp, _, visited := follow(t, c, h.base+"/api/auth/gitlab/start?env=development&flow=redirect&redirectUrl=/docs")
	if resp.StatusCode != http.StatusOK || visited[len(visited)-1] != h.base+"/docs" {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, visited)
	}
	if code, w := h.who(c); code != http.StatusOK || w.UserEntityRef != "user:default/jane" {
		t.Errorf("session: %d %+v", code, w)
	}
	wantCalls := []string{"GET /oauth/authorize", "POST /oauth/token", "GET /api/v4/user"}
	if diff := cmp.Diff(wantCalls, f.callLog()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	// read_user is GitLab's default scope.
	var sawScope bool
	for _, v := range visited {
		if u := mustURL(t, v); u.Path == "/oauth/authorize" {
			sawScope = u.Query().Get("scope") == "read_user"
		}
	}
	if !sawScope {
		t.Errorf("authorization request did not ask for read_user: %v", visited)
	}
}

func TestForgeRejectsWrongVerifier(t *testing.T) {
	// The flow's verifier is what the token request carries: a flow row
	// with another verifier (as after tampering) fails the exchange.
	f := startForge(t, gitlabPaths, `{"username":"jdoe"}`, "")
	yaml := `
auth:
  environment: development
  providers:
    gitlab:
      development: {clientId: client-id-123, clientSecret: client-secret-456, audience: ` + f.srv.URL + `,
        signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}}
`
	h := newHarness(t, yaml, newFakeUsers(user("jdoe", "")))
	c := browser(t)
	resp, _ := do(t, c, http.MethodGet, h.base+"/api/auth/gitlab/start?flow=redirect", nil)
	h.store.mu.Lock()
	for k, fl := range h.store.flows {
		fl.Verifier = oauth2.GenerateVerifier()
		h.store.flows[k] = fl
	}
	h.store.mu.Unlock()
	_, _, visited := follow(t, c, resp.Header.Get("Location"))
	if last := visited[len(visited)-1]; mustURL(t, last).Query().Get("error") != SignInErrorFailed {
		t.Errorf("ended at %s", last)
	}
	if code, _ := h.who(c); code != http.StatusUnauthorized {
		t.Error("signed in with the wrong verifier")
	}
	var tokenCalls int
	for _, c := range f.callLog() {
		if c == "POST /oauth/token" {
			tokenCalls++
		}
	}
	if tokenCalls != 1 {
		t.Errorf("token calls = %d", tokenCalls)
	}
}
