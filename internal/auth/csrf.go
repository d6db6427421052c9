package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"

	"github.com/callboard/callboard/internal/problem"
)

// CSRF protection for browsers authenticated by an ambient credential (the
// session cookie, or a reverse proxy's headers): an unsafe request must
// come from an allowed origin and echo the CSRF token in the X-CSRF-Token
// header or the csrf_token form field. The session cookie is also
// SameSite=Lax. Bearer-token requests carry no ambient credential and are
// exempt.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// maxMultipartMemory is what a multipart form may keep in memory while its
// CSRF field is read.
const maxMultipartMemory = 32 << 20

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// proxyCSRFToken derives a proxy-authenticated user's CSRF token: proxies
// sign in on every request, so there is no session row to keep one in.
func (s *Service) proxyCSRFToken(userRef string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("proxy\x00" + userRef))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errCSRF = problem.NotAllowed("Invalid or missing CSRF token")

// checkCSRF checks an unsafe request authenticated by an ambient
// credential.
func (s *Service) checkCSRF(r *http.Request, id *Identity) error {
	if isSafeMethod(r.Method) || (id.Via != CredentialSession && id.Via != CredentialProxy) {
		return nil
	}
	// A browser names the page that sent the request; a foreign one is
	// refused whatever token it carries.
	if o := r.Header.Get("Origin"); o != "" {
		if !s.cfg.originAllowed(originOf(o)) {
			return problem.NotAllowed("Cross-origin request refused")
		}
	} else if ref := r.Header.Get("Referer"); ref != "" && !s.cfg.originAllowed(originOf(ref)) {
		return problem.NotAllowed("Cross-origin request refused")
	}
	token := r.Header.Get(CSRFHeader)
	if token == "" {
		token = formToken(r)
	}
	if token == "" || id.CSRFToken == "" || !secretsEqual(token, id.CSRFToken) {
		return errCSRF
	}
	return nil
}

// formToken reads the csrf_token field of a form body; the parsed form
// stays on the request for the handler.
func formToken(r *http.Request) string {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		if r.ParseForm() != nil {
			return ""
		}
	case "multipart/form-data":
		if r.ParseMultipartForm(maxMultipartMemory) != nil {
			return ""
		}
	default:
		return ""
	}
	return r.PostForm.Get(CSRFField)
}
