package github

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/integration/forgetest"
)

// fakeGitHub follows the documented GitHub REST API for the endpoints the
// reader uses: contents (raw media type, ETag, 304), commits (SHA media
// type, 422 for an unknown ref), git trees (recursive, truncated), app
// installations and installation access tokens; and it sends the
// X-RateLimit-* headers, not counting authorised 304s.
type fakeGitHub struct {
	mu    sync.Mutex
	clock *forgetest.Clock
	// repos: "owner/repo" → ref → files.
	repos map[string]map[string]forgetest.Tree
	// token is the only accepted personal token ("" accepts anonymous).
	token string
	// limit and used drive X-RateLimit-*; limit 0 sends none.
	limit, used int
	reset       time.Time
	// truncate makes recursive tree answers truncated.
	truncate bool
	// App: its id, public key and installations by lower-case owner.
	appID         string
	appKey        *rsa.PublicKey
	installations map[string]int64
	tokens        map[string]time.Time // installation token → expiry
	// fail, when set, answers every request.
	fail func(w http.ResponseWriter) bool
}

func newFakeGitHub(clock *forgetest.Clock) *fakeGitHub {
	return &fakeGitHub{clock: clock, repos: map[string]map[string]forgetest.Tree{},
		installations: map[string]int64{}, tokens: map[string]time.Time{}}
}

func (g *fakeGitHub) setRepo(repo, ref string, tree forgetest.Tree) {
	g.mu.Lock()
	defer g.mu.Unlock()
	repo = strings.ToLower(repo) // GitHub owner and repository names ignore case
	if g.repos[repo] == nil {
		g.repos[repo] = map[string]forgetest.Tree{}
	}
	g.repos[repo][ref] = tree
}

func fakeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	forgetest.JSON(w, status, string(b))
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil && g.fail(w) {
		return
	}
	segs, _ := forgetest.PathBelow(r, "/")
	switch {
	case len(segs) == 4 && segs[0] == "app" && segs[1] == "installations" && segs[3] == "access_tokens" && r.Method == http.MethodPost:
		g.accessToken(w, r, segs[2])
		return
	case len(segs) == 4 && segs[0] == "repos" && segs[3] == "installation":
		g.installation(w, r, segs[1])
		return
	}
	if !g.authorised(r) {
		fakeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	wrote := g.rateHeaders(w, r)
	if !wrote {
		return
	}
	if len(segs) < 4 || segs[0] != "repos" {
		fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	refs := g.repos[strings.ToLower(segs[1]+"/"+segs[2])]
	switch segs[3] {
	case "contents":
		ref := r.URL.Query().Get("ref")
		tree, ok := g.treeAt(refs, ref)
		if !ok {
			fakeJSON(w, http.StatusNotFound, map[string]string{"message": "No commit found for the ref " + ref})
			return
		}
		content, ok := tree[strings.Join(segs[4:], "/")]
		if !ok || r.Header.Get("Accept") != "application/vnd.github.raw" {
			fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		forgetest.ServeFile(w, r, content)
	case "commits":
		ref := strings.Join(segs[4:], "/")
		tree, ok := g.treeAt(refs, ref)
		if !ok || r.Header.Get("Accept") != "application/vnd.github.sha" {
			fakeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "No commit found for SHA: " + ref})
			return
		}
		fmt.Fprint(w, tree.Commit())
	case "git":
		if len(segs) != 6 || segs[4] != "trees" {
			fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		g.tree(w, r, refs, segs[5])
	default:
		fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// treeAt finds a tree by ref name or commit SHA.
func (g *fakeGitHub) treeAt(refs map[string]forgetest.Tree, ref string) (forgetest.Tree, bool) {
	if t, ok := refs[ref]; ok {
		return t, true
	}
	for _, t := range refs {
		if t.Commit() == ref {
			return t, true
		}
	}
	return nil, false
}

// treeSHA is the fake SHA of a directory of a commit.
func treeSHA(commit, dir string) string {
	if dir == "" {
		return commit
	}
	sum := sha1.Sum([]byte(commit + ":" + dir))
	return hex.EncodeToString(sum[:])
}

type fakeEntry struct {
	Path string `json:"path"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
}

func (g *fakeGitHub) tree(w http.ResponseWriter, r *http.Request, refs map[string]forgetest.Tree, sha string) {
	for _, t := range refs {
		commit := t.Commit()
		dirs := append([]string{""}, t.Dirs()...)
		for _, dir := range dirs {
			if treeSHA(commit, dir) != sha {
				continue
			}
			recursive := r.URL.Query().Get("recursive") != ""
			var entries []fakeEntry
			add := func(p, typ, s string) {
				rel := p
				if dir != "" {
					if !strings.HasPrefix(p, dir+"/") {
						return
					}
					rel = strings.TrimPrefix(p, dir+"/")
				}
				if !recursive && strings.Contains(rel, "/") {
					return
				}
				entries = append(entries, fakeEntry{Path: rel, Type: typ, SHA: s})
			}
			for _, d := range t.Dirs() {
				add(d, "tree", treeSHA(commit, d))
			}
			for _, p := range t.Paths() {
				add(p, "blob", forgetest.BlobSHA(t[p]))
			}
			truncated := recursive && g.truncate
			if truncated {
				entries = entries[:len(entries)/2]
			}
			fakeJSON(w, http.StatusOK, map[string]any{"sha": sha, "tree": entries, "truncated": truncated})
			return
		}
	}
	fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func (g *fakeGitHub) authorised(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return g.token == ""
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return false
	}
	if exp, ok := g.tokens[tok]; ok {
		return g.clock.Now().Before(exp)
	}
	return tok == g.token && tok != ""
}

// rateHeaders sends X-RateLimit-* and refuses when the limit is spent; an
// authorised request answered 304 is not counted, as GitHub documents.
func (g *fakeGitHub) rateHeaders(w http.ResponseWriter, r *http.Request) bool {
	if g.limit == 0 {
		return true
	}
	if !g.clock.Now().Before(g.reset) {
		g.used, g.reset = 0, g.clock.Now().Add(time.Hour)
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(g.limit))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(g.reset.Unix(), 10))
	if g.used >= g.limit {
		h.Set("X-RateLimit-Remaining", "0")
		fakeJSON(w, http.StatusForbidden, map[string]string{"message": "API rate limit exceeded"})
		return false
	}
	conditional304 := r.Header.Get("If-None-Match") != "" && r.Header.Get("Authorization") != ""
	if !conditional304 {
		g.used++
	}
	h.Set("X-RateLimit-Remaining", strconv.Itoa(g.limit-g.used))
	return true
}

// checkJWT verifies an app JWT as GitHub does: RS256 with the app's key,
// iss the app id, issued in the past, expiring within ten minutes.
func (g *fakeGitHub) checkJWT(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	if !ok || len(parts) != 3 || g.appKey == nil {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(g.appKey, crypto.SHA256, sum[:], sig) != nil {
		return false
	}
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h struct{ Alg string }
	var c struct {
		Iat, Exp int64
		Iss      string
	}
	if json.Unmarshal(head, &h) != nil || json.Unmarshal(body, &c) != nil {
		return false
	}
	now := g.clock.Now().Unix()
	return h.Alg == "RS256" && c.Iss == g.appID && c.Iat <= now && c.Exp > now && c.Exp-c.Iat <= 600
}

func (g *fakeGitHub) installation(w http.ResponseWriter, r *http.Request, owner string) {
	if !g.checkJWT(r) {
		fakeJSON(w, http.StatusUnauthorized, map[string]string{"message": "A JSON web token could not be decoded"})
		return
	}
	id, ok := g.installations[strings.ToLower(owner)]
	if !ok {
		fakeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	fakeJSON(w, http.StatusOK, map[string]any{"id": id, "account": map[string]string{"login": owner}})
}

func (g *fakeGitHub) accessToken(w http.ResponseWriter, r *http.Request, id string) {
	if !g.checkJWT(r) {
		fakeJSON(w, http.StatusUnauthorized, map[string]string{"message": "A JSON web token could not be decoded"})
		return
	}
	tok := fmt.Sprintf("ghs_%s_%d", id, len(g.tokens))
	exp := g.clock.Now().Add(time.Hour)
	g.tokens[tok] = exp
	fakeJSON(w, http.StatusCreated, map[string]any{"token": tok, "expires_at": exp.UTC().Format(time.RFC3339)})
}
