package forge

import (
	"fmt"
	"net/url"
	"strings"
)

// CheckHost checks an integration's host: a host name, optionally with a
// port, lower-cased.
func CheckHost(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	u, err := url.Parse("https://" + h)
	if h == "" || err != nil || u.Host != h || u.Path != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("host %q: expected a host name such as git.example.com", h)
	}
	return h, nil
}

// CheckBaseURL checks an API or web base URL and trims its trailing
// slashes; "" stays "".
func CheckBaseURL(key, s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s %q: expected an http or https URL", key, s)
	}
	return s, nil
}
