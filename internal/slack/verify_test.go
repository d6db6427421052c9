package slack

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSignKnownAnswer(t *testing.T) {
	// Slack's documented example of request signing.
	secret := "8f742231b10e8888abcd99yyyzzz85a5"
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	want := "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	if got := Sign(secret, "1531420618", []byte(body)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	const secret = "s3cret"
	now := time.Unix(1_700_000_000, 0)
	body := []byte("payload=%7B%7D")
	signed := func(ts time.Time, b []byte, key string) http.Header {
		h := http.Header{}
		s := strconv.FormatInt(ts.Unix(), 10)
		h.Set("X-Slack-Request-Timestamp", s)
		h.Set("X-Slack-Signature", Sign(key, s, b))
		return h
	}
	for _, tc := range []struct {
		name   string
		h      http.Header
		secret string
		want   error
	}{
		{"good", signed(now, body, secret), secret, nil},
		{"4 minutes old", signed(now.Add(-4*time.Minute), body, secret), secret, nil},
		{"6 minutes old", signed(now.Add(-6*time.Minute), body, secret), secret, ErrStale},
		{"from the future", signed(now.Add(6*time.Minute), body, secret), secret, ErrStale},
		{"other secret", signed(now, body, "other"), secret, ErrBadSignature},
		{"other body", signed(now, []byte("payload=x"), secret), secret, ErrBadSignature},
		{"unsigned", http.Header{}, secret, ErrNoSignature},
		{"no secret configured", signed(now, body, ""), "", ErrNoSignature},
		{"bad timestamp", http.Header{"X-Slack-Request-Timestamp": {"soon"}, "X-Slack-Signature": {"v0=00"}}, secret, ErrBadSignature},
		{"other version", func() http.Header {
			h := signed(now, body, secret)
			h.Set("X-Slack-Signature", "v1="+h.Get("X-Slack-Signature")[3:])
			return h
		}(), secret, ErrBadSignature},
	} {
		if err := Verify(tc.secret, tc.h, body, now); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
