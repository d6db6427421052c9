package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a request's timestamp may be from now; older
// requests are refused as replays.
const MaxSkew = 5 * time.Minute

// Signature errors.
var (
	ErrNoSignature  = errors.New("slack request is not signed")
	ErrBadSignature = errors.New("slack request signature does not match")
	ErrStale        = errors.New("slack request timestamp is more than 5 minutes from now")
)

// Sign returns the X-Slack-Signature of body sent at timestamp:
// v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request from Slack: its X-Slack-Request-Timestamp is
// within MaxSkew of now and its X-Slack-Signature signs the raw body with
// secret.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if secret == "" || ts == "" || sig == "" {
		return ErrNoSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(secs, 0)); d > MaxSkew || d < -MaxSkew {
		return ErrStale
	}
	if !strings.HasPrefix(sig, "v0=") || !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}
