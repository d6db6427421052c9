package nunjucks

import (
	"errors"
	"os"
	"testing"
	"time"
)

// fuzzSeeds are the sources of the table tests plus the skeleton file.
func fuzzSeeds(f *testing.F) {
	for _, c := range renderCases {
		f.Add(c.src)
	}
	for _, c := range errorCases {
		f.Add(c.src)
	}
	if b, err := os.ReadFile("testdata/skeleton.yaml"); err == nil {
		f.Add(string(b))
	}
	f.Add("{% for x in y -%}\n${{- x | f(1, a=2) if x is odd else -x ** 2 -}}{%- endfor %}")
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	envs := []*Env{
		testEnv(Options{}),
		testEnv(Options{VariableStart: "{{", VariableEnd: "}}", TrimBlocks: true, LstripBlocks: true}),
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, e := range envs {
			_, err := e.Parse("f", src)
			var se *SyntaxError
			if err != nil && !errors.As(err, &se) {
				t.Fatalf("Parse error is %T, not *SyntaxError: %v", err, err)
			}
			if _, rerr := e.Refs("f", src); (rerr == nil) != (err == nil) {
				t.Fatalf("Refs and Parse disagree: %v / %v", rerr, err)
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	fuzzSeeds(f)
	e := testEnv(Options{MaxSteps: 20_000, MaxOutput: 1 << 20})
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		_, _ = e.RenderString("f", src, testCtx())
		_, _ = e.RenderValue("f", src, testCtx())
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("render took %v", d)
		}
	})
}
