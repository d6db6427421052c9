package entity

import "testing"

func TestIsAbsoluteURL(t *testing.T) {
	tests := map[string]bool{
		"https://example.com":                    true,
		"http://foo":                             true,
		"https://user:pw@example.com:8443/p?q#f": true,
		"  https://example.com/  ":               true,
		"ht\ntp://example.com":                   true,
		"mailto:team@example.com":                true,
		"a:":                                     true,
		"foo://":                                 true,
		"foo://host:1/x":                         true,
		"javascript:alert(1)":                    true,
		"http:example.com":                       true,
		"http:///example.com":                    true,
		"HTTP://EXAMPLE.COM":                     true,
		"http://[::1]:80/":                       true,
		"http://1.2.3.4":                         true,
		"http://0x7f.1":                          true,
		"http://4294967295":                      true,
		"http://ex%41mple.com":                   true,
		"http://bücher.example":                  true,
		"file:///etc/passwd":                     true,
		"file://c:/x":                            true,
		"file:relative":                          true,
		"":                                       false,
		"invalid":                                false,
		"/docs":                                  false,
		"//example.com":                          false,
		"1http://example.com":                    false,
		"-x:y":                                   false,
		"ht tp://example.com":                    false,
		"http://":                                false,
		"https:":                                 false,
		"http://exa mple.com":                    false,
		"http://a<b":                             false,
		"http://user@":                           false,
		"http://:80":                             false,
		"http://host:port":                       false,
		"http://host:65536":                      false,
		"http://host:0065535":                    true,
		"http://[::1":                            false,
		"http://[1.2.3.4]":                       false,
		"http://[::1%25eth0]":                    false,
		"http://999.1.1.1":                       false,
		"http://1.2.3.4.5":                       false,
		"http://4294967296":                      false,
		"http://1.09":                            false,
		"http://ex%25ample.com":                  false,
		"http://a%":                              false,
		"foo://a b":                              false,
		"foo://@x":                               true,
		"foo://x@":                               false,
		"foo://:1":                               false,
		"file://exa mple/x":                      false,
	}
	for in, want := range tests {
		if got := isAbsoluteURL(in); got != want {
			t.Errorf("isAbsoluteURL(%q) = %v, want %v", in, got, want)
		}
	}
}
