package auth

import (
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/callboard/callboard/entity"
)

// authorizationResponse is the message a popup sign-in posts to the page
// that opened it, as Backstage's frontend expects it.
type authorizationResponse struct {
	Type     string                  `json:"type"`
	Response *ClientAuthResponse     `json:"response,omitempty"`
	Error    *entity.SerializedError `json:"error,omitempty"`
}

// framePage posts the message to the opener, at the origin checked when
// the sign-in started and nowhere else, then closes the popup. The values
// are JSON encoded by encoding/json, which escapes <, > and &, so they are
// safe inside the script.
var framePage = template.Must(template.New("frame").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in · Callboard</title></head>
<body><p>Signing in… This window closes by itself.</p>
<script nonce="{{.Nonce}}">
(function () {
  var message = {{.Message}};
  var origin = {{.Origin}};
  var target = window.opener || window.parent;
  if (target && target !== window) { target.postMessage(message, origin); }
  setTimeout(function () { window.close(); }, 100);
})();
</script></body></html>
`))

// writeFrame answers /handler/frame of a popup sign-in.
func writeFrame(w http.ResponseWriter, origin string, msg authorizationResponse) error {
	m, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	o, err := json.Marshal(origin)
	if err != nil {
		return err
	}
	nonce := randomString(16)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'")
	return framePage.Execute(w, struct {
		Nonce   string
		Message template.JS
		Origin  template.JS
	}{nonce, template.JS(m), template.JS(o)})
}
