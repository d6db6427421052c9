package config

import (
	"regexp"
	"strings"
)

// Redaction is what Redacted shows instead of a secret.
const Redaction = "<redacted>"

// secretKeyParts mark a key as holding a secret when its lower-cased name
// contains one of them.
var secretKeyParts = []string{"password", "passwd", "token", "secret", "privatekey", "apikey", "credentials"}

// keywordPassword finds password=... in libpq key=value strings.
var keywordPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Redacted returns the merged configuration as plain values (objects,
// lists, strings, numbers, booleans) for logging, with the values of
// secret-looking keys (password, token, secret, privateKey, clientSecret,
// apiKey, credentials ...) replaced by "<redacted>", and passwords inside
// connection URLs and key=value strings hidden too.
func (c *Config) Redacted() map[string]any {
	if c.root == nil {
		return map[string]any{}
	}
	m, _ := redact(c.root).(map[string]any)
	return m
}

func redact(n *node) any {
	switch n.kind {
	case kindObject:
		m := make(map[string]any, len(n.keys))
		for _, k := range n.keys {
			if isSecretKey(k) {
				m[k] = Redaction
				continue
			}
			m[k] = redact(n.fields[k])
		}
		return m
	case kindList:
		l := make([]any, len(n.items))
		for i, item := range n.items {
			l[i] = redact(item)
		}
		return l
	case kindString:
		return redactString(n.text)
	}
	return n.value()
}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

// redactString hides the password of a URL's user info
// ("postgres://user:pw@host") and of libpq "password=pw" strings.
func redactString(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		authority := rest
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			authority = rest[:j]
		}
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if colon := strings.Index(authority[:at], ":"); colon >= 0 {
				s = s[:i+3] + authority[:colon+1] + Redaction + rest[at:]
			}
		}
	}
	return keywordPassword.ReplaceAllString(s, "${1}"+Redaction)
}
