package auth

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func newService(t *testing.T, yaml string) (*Service, error) {
	t.Helper()
	return New(Options{Config: loadConfig(t, yaml, ""), BaseURL: "http://localhost:7007", Store: newMemStore(), Users: newFakeUsers()})
}

func TestProviderConfigErrors(t *testing.T) {
	resolvers := "signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}"
	tests := map[string]string{
		`github: {development: {clientSecret: s, ` + resolvers + `}}`:                                            "auth.providers.github.development.clientId: must not be empty",
		`github: {development: {clientId: c, ` + resolvers + `}}`:                                                "auth.providers.github.development.clientSecret: must not be empty",
		`github: {development: {clientId: c, clientSecret: s}}`:                                                  "auth.providers.github.development.signIn.resolvers: configure at least one sign-in resolver",
		`github: {development: {clientId: c, clientSecret: s, enterpriseInstanceUrl: "ghe", ` + resolvers + `}}`: `auth.providers.github.development.enterpriseInstanceUrl: "ghe" is not an absolute URL`,
		`microsoft: {development: {clientId: c, clientSecret: s, ` + resolvers + `}}`:                            "auth.providers.microsoft.development.tenantId: must not be empty",
		`okta: {development: {clientId: c, clientSecret: s, ` + resolvers + `}}`:                                 "auth.providers.okta.development.audience: must be the Okta org URL",
		`auth0: {development: {clientId: c, clientSecret: s, ` + resolvers + `}}`:                                "auth.providers.auth0.development.domain: must not be empty",
		`oidc: {development: {clientId: c, clientSecret: s, ` + resolvers + `}}`:                                 "auth.providers.oidc.development.metadataUrl: must not be empty",
		`bitbucket: {development: {clientId: c, clientSecret: s, ` + resolvers + `}}`:                            `auth.providers.bitbucket.development: unknown auth provider "bitbucket"`,
		`github: {clientId: c}`:         "auth.providers.github.clientId: expected an object",
		`github: oops`:                  "auth.providers.github: expected an object of environments",
		`gcpIap: {` + resolvers + `}`:   "auth.providers.gcpIap.audience: must not be empty",
		`cfaccess: {` + resolvers + `}`: "auth.providers.cfaccess.teamName: must not be empty",
		`oauth2Proxy: {trustedProxies: [not-an-ip], ` + resolvers + `}`: "auth.providers.oauth2Proxy.trustedProxies:",
		`oauth2Proxy: {}`:                "auth.providers.oauth2Proxy.signIn.resolvers: configure at least one sign-in resolver",
		`guest: {userEntityRef: ":bad"}`: "auth.providers.guest.userEntityRef:",
	}
	for providers, want := range tests {
		_, err := newService(t, "auth: {providers: {"+providers+"}}")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", providers, err, want)
		}
	}
}

func TestOIDCPresets(t *testing.T) {
	tests := []struct {
		id, extra string
		metadata  string
		params    map[string]string
	}{
		{"google", "", "https://accounts.google.com/.well-known/openid-configuration", map[string]string{}},
		{"microsoft", "tenantId: contoso.onmicrosoft.com, domainHint: contoso.com", "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", map[string]string{"domain_hint": "contoso.com"}},
		{"okta", "audience: https://acme.okta.com/, authServerId: default, idp: 0oa1", "https://acme.okta.com/oauth2/default/.well-known/openid-configuration", map[string]string{"idp": "0oa1"}},
		{"auth0", "domain: acme.eu.auth0.com, audience: https://api.acme", "https://acme.eu.auth0.com/.well-known/openid-configuration", map[string]string{"audience": "https://api.acme"}},
		{"keycloak", "metadataUrl: https://sso.acme/realms/x/.well-known/openid-configuration, prompt: login", "https://sso.acme/realms/x/.well-known/openid-configuration", map[string]string{"prompt": "login"}},
	}
	for _, tt := range tests {
		extra := ""
		if tt.extra != "" {
			extra = tt.extra + ", "
		}
		yaml := "auth: {providers: {" + tt.id + ": {development: {clientId: c, clientSecret: s, " + extra + "signIn: {resolvers: [{resolver: emailMatchingUserEntityProfileEmail}]}}}}}"
		s, err := newService(t, yaml)
		if err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		p := s.oauth[tt.id].envs["development"].provider.(*oidcProvider)
		if p.metadataURL != tt.metadata {
			t.Errorf("%s metadata = %s", tt.id, p.metadataURL)
		}
		if diff := cmp.Diff(tt.params, p.authParams); diff != "" {
			t.Errorf("%s params (-want +got):\n%s", tt.id, diff)
		}
		if p.redirectURL != "http://localhost:7007/api/auth/"+tt.id+"/handler/frame" || !cmp.Equal(p.scopes, oidcDefaultScopes) {
			t.Errorf("%s: redirect %s scopes %v", tt.id, p.redirectURL, p.scopes)
		}
	}
}

func TestScopesAndCallbackURL(t *testing.T) {
	s, err := newService(t, `
auth:
  providers:
    github:
      development:
        clientId: c
        clientSecret: s
        callbackUrl: https://portal.example/api/auth/github/handler/frame
        additionalScopes: [repo, read:org]
        signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}
    gitlab:
      production:
        clientId: c
        clientSecret: s
        additionalScopes: api
        title: Company GitLab
        signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}
`)
	if err != nil {
		t.Fatal(err)
	}
	gh := s.oauth["github"].envs["development"].provider.(*githubProvider)
	if !cmp.Equal(gh.scopes, []string{"read:user", "user:email", "repo", "read:org"}) || gh.redirectURL != "https://portal.example/api/auth/github/handler/frame" {
		t.Errorf("github: %v %s", gh.scopes, gh.redirectURL)
	}
	if gh.endpoint.AuthURL != "https://github.com/login/oauth/authorize" || gh.apiURL != "https://api.github.com" {
		t.Errorf("github.com endpoints: %+v %s", gh.endpoint, gh.apiURL)
	}
	gl := s.oauth["gitlab"].envs["production"].provider.(*gitlabProvider)
	if !cmp.Equal(gl.scopes, []string{"read_user", "api"}) || gl.endpoint.TokenURL != "https://gitlab.com/oauth/token" {
		t.Errorf("gitlab: %v %+v", gl.scopes, gl.endpoint)
	}
	// The sign-in page lists what the current environment (development,
	// Backstage's default) offers.
	want := []ProviderInfo{{ID: "github", Title: "GitHub", Kind: ProviderOAuth, Resolvers: []string{ResolverUsername}}}
	if diff := cmp.Diff(want, s.Providers()); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}
	if s.oauth["gitlab"].title != "Company GitLab" {
		t.Errorf("title = %q", s.oauth["gitlab"].title)
	}
	u, _ := url.Parse(s.SignInURL("github", "https://evil.example"))
	if u.Path != "/api/auth/github/start" || u.Query().Get("redirectUrl") != "/" || u.Query().Get("flow") != "redirect" || u.Query().Get("env") != "development" {
		t.Errorf("SignInURL = %s", u)
	}
}

func TestSettingsDefaults(t *testing.T) {
	s, err := loadSettings(loadConfig(t, "", ""), "http://localhost:7007/")
	if err != nil {
		t.Fatal(err)
	}
	want := settings{baseURL: "http://localhost:7007", environment: "development", sessionDuration: 7 * 24 * time.Hour,
		tokenExpiration: time.Hour, allowedOrigins: []string{"http://localhost:7007"}}
	if diff := cmp.Diff(want, *s, cmp.AllowUnexported(settings{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !s.originAllowed("http://LOCALHOST:7007") || s.originAllowed("http://localhost:7008") {
		t.Error("originAllowed")
	}
	s, err = loadSettings(loadConfig(t, `
auth:
  environment: production
  session: {secret: x, duration: 12h}
  experimentalExtraAllowedOrigins: [https://app.example/]
`, ""), "https://portal.example")
	if err != nil {
		t.Fatal(err)
	}
	if s.sessionDuration != 12*time.Hour || !s.secure() || !s.explicitEnv || !s.originAllowed("https://app.example") {
		t.Errorf("%+v", s)
	}
	if _, err := loadSettings(loadConfig(t, "", ""), "not a url"); err == nil {
		t.Error("a relative base URL was accepted")
	}
}
