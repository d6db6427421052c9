package auth

import (
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// Mount is where the auth plugin's routes live.
const Mount = "/api/auth"

// handlerFunc reports failure by returning an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the auth surface.
type route struct {
	pattern string
	handle  handlerFunc
}

func (s *Service) routeTable() []route {
	const a = Mount
	return []route{
		{"GET " + a + "/.well-known/openid-configuration", s.openIDConfiguration},
		{"GET " + a + "/.well-known/jwks.json", s.jwks},
		{"GET " + a + "/v1/userinfo", s.userinfo},
		{"GET " + a + "/v1/tokens", s.listTokens},
		{"POST " + a + "/v1/tokens", s.createToken},
		{"DELETE " + a + "/v1/tokens/{id}", s.revokeToken},
		{"GET " + a + "/{provider}/start", s.start},
		{"POST " + a + "/guest/start", s.guestStart},
		{"GET " + a + "/{provider}/handler/frame", s.frame},
		{"POST " + a + "/{provider}/handler/frame", s.frame},
		{"GET " + a + "/{provider}/refresh", s.refresh},
		{"POST " + a + "/{provider}/refresh", s.refresh},
		{"POST " + a + "/{provider}/logout", s.logout},
	}
}

// Routes lists the auth surface as ServeMux patterns ("GET /api/auth/...").
func (s *Service) Routes() []string {
	rt := s.routeTable()
	out := make([]string, len(rt))
	for i, r := range rt {
		out[i] = r.pattern
	}
	return out
}

func (s *Service) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		h := rt.handle
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				s.writeError(w, r, err)
			}
		})
	}
	// Unknown routes: a plain 404 with an empty body, as Backstage answers.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	})
	return mux
}

// requireXHR is Backstage's guard on refresh and logout: a custom header
// a cross-site form cannot send.
func requireXHR(r *http.Request) error {
	if r.Header.Get("X-Requested-With") != "XMLHttpRequest" {
		return problem.Unauthenticated("Invalid X-Requested-With header")
	}
	return nil
}

// openIDConfiguration is the discovery document of the portal's own
// tokens.
func (s *Service) openIDConfiguration(w http.ResponseWriter, r *http.Request) error {
	iss := s.issuer()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"userinfo_endpoint":                     iss + "/v1/userinfo",
		"jwks_uri":                              iss + "/.well-known/jwks.json",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"scopes_supported":                      []string{"openid"},
		"token_endpoint_auth_methods_supported": []string{},
		"claims_supported":                      []string{"sub", "ent"},
		"grant_types_supported":                 []string{},
	})
	return nil
}

// jwks publishes the public keys portal tokens are signed with.
func (s *Service) jwks(w http.ResponseWriter, r *http.Request) error {
	set, err := s.keys.jwks(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

// userinfo reports the caller's user ref and ownership refs.
func (s *Service) userinfo(w http.ResponseWriter, r *http.Request) error {
	id, ok := IdentityFrom(r.Context())
	if !ok || id.Kind == KindService {
		return problem.Unauthenticated("User info requires a user token")
	}
	writeJSON(w, http.StatusOK, map[string]any{"claims": map[string]any{
		"sub": id.UserEntityRef,
		"ent": id.OwnershipEntityRefs,
	}})
	return nil
}
