package web

import (
	"net/http"
	"net/url"
	"strings"
)

// themeCookie holds the reader's theme choice: "light" or "dark"; without
// it the page follows the system setting (prefers-color-scheme).
const themeCookie = "theme"

// Theme choices, in the order the switch cycles through them.
var themeCycle = []string{"auto", "dark", "light"}

// themeState is what the layout needs to render the theme switch.
type themeState struct {
	// Current is "auto", "light" or "dark"; Attr is the data-theme
	// attribute of <html> ("" for auto).
	Current, Attr string
	// Next is the choice the switch moves to, and SwitchURL the link that
	// makes it without JavaScript.
	Next, SwitchURL string
}

// themeFrom reads the reader's choice from the request.
func themeFrom(r *http.Request) themeState {
	cur := "auto"
	if c, err := r.Cookie(themeCookie); err == nil && (c.Value == "light" || c.Value == "dark") {
		cur = c.Value
	}
	st := themeState{Current: cur}
	if cur != "auto" {
		st.Attr = cur
	}
	for i, t := range themeCycle {
		if t == cur {
			st.Next = themeCycle[(i+1)%len(themeCycle)]
		}
	}
	back := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		back = "/"
	}
	st.SwitchURL = "/theme?" + url.Values{"set": {st.Next}, "next": {back}}.Encode()
	return st
}

// setTheme is GET /theme?set=light|dark|auto&next=/path: it stores the
// choice in a cookie and sends the reader back.
func (s *site) setTheme(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	c := &http.Cookie{
		Name:     themeCookie,
		Path:     "/",
		MaxAge:   365 * 24 * 60 * 60,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil,
	}
	switch v := q.Get("set"); v {
	case "light", "dark":
		c.Value = v
	default:
		c.MaxAge = -1 // auto: forget the choice
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, localPath(q.Get("next")), http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site, else "/": a
// redirect must not send the reader elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}
