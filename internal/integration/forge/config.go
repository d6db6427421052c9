package forge

import (
	"errors"
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

// RequiredHost checks the host of an integration that has no default one.
func RequiredHost(h string) (string, error) {
	if h == "" {
		return "", errors.New("host is required")
	}
	return CheckHost(h)
}

// WebBaseURL checks an integration's baseUrl, the root of its web pages:
// https://<host> when it is empty.
func WebBaseURL(s, host string) (string, error) {
	s, err := CheckBaseURL("baseUrl", s)
	if s == "" && err == nil {
		s = "https://" + host
	}
	return s, err
}
