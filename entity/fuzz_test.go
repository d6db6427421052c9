package entity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"component:ns/name", "a:b:c", "ns/a:b", "a/b/c", ":x", "x:", "/", "", "Ä:Ö/Ü", "k:n/ς"} {
		f.Add(s, "Component", "dev")
	}
	f.Fuzz(func(t *testing.T, s, defKind, defNS string) {
		// Defaults come from code, not input: keep them to the kind and
		// namespace alphabet so that the canonical form is a ref string.
		if !isValidKind(defKind) || !isValidDNSLabel(defNS) {
			defKind, defNS = "Component", "dev"
		}
		r, err := ParseRef(s, RefDefaults{Kind: defKind, Namespace: defNS})
		if err != nil {
			var want string
			switch {
			case s == "":
				want = "Entity reference must not be empty"
			case strings.HasSuffix(err.Error(), "was not on the form [<kind>:][<namespace>/]<name>"):
				want = err.Error()
			default:
				t.Fatalf("ParseRef(%q) with a default kind: unexpected error %v", s, err)
			}
			if err.Error() != want {
				t.Fatalf("ParseRef(%q): %v", s, err)
			}
			return
		}
		if r.Kind == "" || r.Namespace == "" || r.Name == "" {
			t.Fatalf("ParseRef(%q) = %#v with an empty part", s, r)
		}
		if strings.Contains(r.Kind, ":") || strings.Contains(r.Kind, "/") || strings.Contains(r.Namespace, "/") {
			t.Fatalf("ParseRef(%q) = %#v: separator in kind or namespace", s, r)
		}
		back, err := ParseRef(r.String(), RefDefaults{})
		if err != nil {
			t.Fatalf("ParseRef(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if back.Canonical() != r.Canonical() {
			t.Fatalf("ParseRef(%q) = %#v; its string %q parses to %#v", s, r, r.String(), back)
		}
		if back.String() != r.String() {
			t.Fatalf("canonical string not stable: %q then %q", r.String(), back.String())
		}
	})
}

func FuzzEnforcePolicies(f *testing.F) {
	seeds := []string{
		`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a","labels":{"x":"y"},"tags":["t"],"links":[{"url":"http://x"}]},"spec":{"type":"s","lifecycle":"l","owner":"o"}}`,
		`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"type":"service","parameters":[{}],"steps":[{"action":"a","if":true}],"output":{"x":"y"}}}`,
		`{"apiVersion":"v1","kind":"K","metadata":{"name":"a","annotations":{"a/b/c":"d"}},"relations":[{"type":"x","targetRef":"y"}]}`,
		`{"apiVersion":7}`,
		`{}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d map[string]any
		if json.Unmarshal(b, &d) != nil {
			return
		}
		envErr := ValidateEnvelope(d)
		e, err := EnforcePolicies(d)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("EnforcePolicies error %T is not a *ValidationError: %v", err, err)
			}
			return
		}
		if envErr != nil {
			t.Fatalf("EnforcePolicies accepted what ValidateEnvelope rejects: %v", envErr)
		}
		if e.Metadata.Namespace == "" || e.Metadata.Name == "" {
			t.Fatalf("accepted entity without name or namespace: %#v", e.Metadata)
		}
		if _, err := ValidateKind(e); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ValidateKind error %T is not a *ValidationError", err)
			}
		}
		// The accepted entity survives its document form unchanged.
		again, err := EnforcePolicies(e.ToMap())
		if err != nil {
			t.Fatalf("the accepted entity's ToMap is rejected: %v", err)
		}
		if _, err := FromMap(e.ToMap()); err != nil {
			t.Fatalf("FromMap(ToMap()): %v", err)
		}
		if again.Ref() != e.Ref() {
			t.Fatalf("ref changed: %v then %v", e.Ref(), again.Ref())
		}
	})
}
