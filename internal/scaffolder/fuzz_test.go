package scaffolder_test

import (
	"testing"

	"github.com/callboard/callboard/internal/scaffolder"
)

// FuzzParseTemplate feeds arbitrary JSON to the template parser and the
// checks: they must never panic, and every problem names the template.
func FuzzParseTemplate(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"x"},"spec":{"steps":[{"action":"test:echo","input":{"message":"${{ steps.a.output }}"}}]}}`,
		`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"x"},"spec":{"parameters":{"properties":{"a":{"type":"nope"}}},"steps":[{"id":"a","action":"x","if":"${{ }}","each":[1]}],"output":{"links":[{"url":"${{ steps.b }}"}]}}}`,
		`{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"x"},"spec":{"steps":[{"id":"a","action":"test:echo"},{"id":"a","action":"test:echo"}],"secrets":{"schema":{"required":"token"}}}}`,
		`{"apiVersion":1}`, `[]`, `null`, `{"kind":"Template"}`,
	} {
		f.Add([]byte(seed))
	}
	h := newHarnessForFuzz(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, err := scaffolder.ParseTemplate(b)
		if err != nil {
			return
		}
		for _, e := range h.Check(tpl) {
			if e.Template != tpl.Ref || e.Error() == "" {
				t.Errorf("problem without the template: %+v", e)
			}
		}
		_ = tpl.ParameterSchema()
		_ = tpl.ValidateValues(map[string]any{"a": 1}, map[string]string{"token": "x"})
	})
}

// newHarnessForFuzz is an engine with the test actions and no store.
func newHarnessForFuzz(f *testing.F) *scaffolder.Engine {
	f.Helper()
	e, err := scaffolder.New(scaffolder.Options{Actions: testActions(&calls{})})
	if err != nil {
		f.Fatal(err)
	}
	return e
}
