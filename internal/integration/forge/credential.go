package forge

import (
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/integration/ratelimit"
)

// Credential is how the requests of an integration with one fixed
// credential are sent: the headers every request carries (the
// credential's own, when there is one, and any the forge always wants),
// the budget they take from, and how long they may wait for it.
type Credential struct {
	Header  http.Header
	Budget  *ratelimit.Budget
	MaxWait time.Duration
}

// Request returns a GET of apiURL under the credential, with a header of
// its own; describe is the URL the user wrote, for error messages.
func (c Credential) Request(apiURL, describe string) Request {
	h := c.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return Request{URL: apiURL, Header: h, Budget: c.Budget, MaxWait: c.MaxWait, Describe: describe}
}
