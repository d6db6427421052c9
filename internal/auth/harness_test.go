package auth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/config"
)

// harness runs a Service behind its middleware on an httptest server. The
// server's catch-all handler answers with the request's identity.
type harness struct {
	t     testing.TB
	svc   *Service
	srv   *httptest.Server
	base  string
	store *memStore
	users *fakeUsers
	clock *clock
}

// whoami is what the catch-all handler answers.
type whoami struct {
	Anonymous     bool     `json:"anonymous,omitempty"`
	Kind          Kind     `json:"kind,omitempty"`
	UserEntityRef string   `json:"userEntityRef,omitempty"`
	Ownership     []string `json:"ownership,omitempty"`
	Subject       string   `json:"subject,omitempty"`
	Via           string   `json:"via,omitempty"`
	CSRFToken     string   `json:"csrfToken,omitempty"`
	Form          string   `json:"form,omitempty"`
}

// loadConfig loads YAML as app-config.yaml; $BASE in it becomes base.
func loadConfig(t testing.TB, yaml, base string) *config.Config {
	t.Helper()
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	yaml = strings.ReplaceAll(yaml, "$BASE", base)
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("config warning: %s", w)
	}
	return cfg
}

func newHarness(t testing.TB, yaml string, users *fakeUsers) *harness {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	h := &harness{t: t, srv: srv, base: "http://" + srv.Listener.Addr().String(), store: newMemStore(), users: users, clock: newClock()}
	if h.users == nil {
		h.users = newFakeUsers()
	}
	svc, err := New(Options{
		Config:         loadConfig(t, yaml, h.base),
		BaseURL:        h.base,
		Store:          h.store,
		Users:          h.users,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:            h.clock.now,
		PublicPrefixes: []string{"/static/"},
		ReadOnlyPosts:  []string{"/api/catalog/entities/by-query"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	mux := http.NewServeMux()
	mux.Handle("/api/auth/", svc.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			writeJSON(w, http.StatusOK, whoami{Anonymous: true})
			return
		}
		writeJSON(w, http.StatusOK, whoami{
			Kind: id.Kind, UserEntityRef: id.UserEntityRef, Ownership: id.OwnershipEntityRefs,
			Subject: id.Subject, Via: string(id.Via), CSRFToken: id.CSRFToken, Form: r.PostFormValue("field"),
		})
	})
	srv.Config.Handler = svc.Wrap(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	return h
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects by itself.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response with its body read.
func do(t testing.TB, c *http.Client, method, u string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// follow GETs u and follows redirects (across hosts, as a browser would),
// returning the last response, its body and every URL visited.
func follow(t *testing.T, c *http.Client, u string) (*http.Response, string, []string) {
	t.Helper()
	visited := []string{u}
	for range 10 {
		resp, body := do(t, c, http.MethodGet, u, nil)
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return resp, body, visited
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		u = next.String()
		visited = append(visited, u)
	}
	t.Fatalf("too many redirects: %v", visited)
	return nil, "", nil
}

// who asks the catch-all handler who the client is.
func (h *harness) who(c *http.Client, header ...string) (int, whoami) {
	h.t.Helper()
	resp, body := do(h.t, c, http.MethodGet, h.base+"/api/catalog/entities", nil, header...)
	var w whoami
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			h.t.Fatalf("whoami: %v: %s", err, body)
		}
	}
	return resp.StatusCode, w
}

// cookie returns the value of a cookie the client holds for the server.
func (h *harness) cookie(c *http.Client, name string) string {
	u, _ := url.Parse(h.base + "/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie plants a cookie in the client's jar.
func (h *harness) setCookie(c *http.Client, name, value string) {
	u, _ := url.Parse(h.base + "/")
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// guestYAML is a configuration offering guest sign-in.
const guestYAML = `
auth:
  environment: development
  providers:
    guest: {}
`

// signInGuest signs a browser in through the guest form.
func (h *harness) signInGuest(c *http.Client) {
	h.t.Helper()
	resp, body := do(h.t, c, http.MethodPost, h.base+GuestSignInPath, strings.NewReader("redirectUrl=%2Fcatalog"),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", h.base)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog" {
		h.t.Fatalf("guest sign-in: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
