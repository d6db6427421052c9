package catalog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/plugin"
)

var testLoc = plugin.Location{Type: "file", Target: "/srv/catalog/catalog-info.yaml"}

func errorTexts(errs []error) []string {
	var out []string
	for _, err := range errs {
		out = append(out, err.Error())
	}
	return out
}

func TestParseEntityYAML(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []plugin.RawEntity
		wantErrs []string
	}{
		{
			name: "documents with positions",
			in:   "kind: Component\nmetadata:\n  name: a\n---\n# comment\nkind: API\n",
			want: []plugin.RawEntity{
				{Data: map[string]any{"kind": "Component", "metadata": map[string]any{"name": "a"}}, Location: testLoc, Line: 1, Column: 1},
				{Data: map[string]any{"kind": "API"}, Location: testLoc, Line: 6, Column: 1},
			},
		},
		{
			name: "null documents are skipped",
			in:   "---\na: 1\n---\n---\n",
			want: []plugin.RawEntity{{Data: map[string]any{"a": float64(1)}, Location: testLoc, Line: 2, Column: 1}},
		},
		{name: "empty input", in: ""},
		{
			name:     "root types",
			in:       "- a\n---\nhello\n---\n12\n---\ntrue\n---\nx: 1\n",
			want:     []plugin.RawEntity{{Data: map[string]any{"x": float64(1)}, Location: testLoc, Line: 9, Column: 1}},
			wantErrs: []string{"Expected object at root, got object", "Expected object at root, got string", "Expected object at root, got number", "Expected object at root, got boolean"},
		},
		{
			name: "core schema scalars",
			in: "a: yes\nb: 0755\nc: 2001-12-14\nd: 1_000\ne: .inf\nf: ~\ng: 0x1f\nh: 1e3\ni: '12'\nj: True\nk: !!binary aGk=\n" +
				"l: 0o17\nm: -3\nn: 2.5\no: |\n  text\np: null\nq: !custom tagged\n",
			want: []plugin.RawEntity{{Data: map[string]any{
				"a": "yes", "b": float64(755), "c": "2001-12-14", "d": "1_000", "e": nil, "f": nil, "g": float64(31),
				"h": float64(1000), "i": "12", "j": true, "k": "aGk=", "l": float64(15), "m": float64(-3), "n": 2.5,
				"o": "text\n", "p": nil, "q": "tagged",
			}, Location: testLoc, Line: 1, Column: 1}},
		},
		{
			name: "merge keys are plain keys",
			in:   "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
			want: []plugin.RawEntity{{Data: map[string]any{
				"base":    map[string]any{"x": float64(1)},
				"derived": map[string]any{"<<": map[string]any{"x": float64(1)}, "y": float64(2)},
			}, Location: testLoc, Line: 1, Column: 1}},
		},
		{
			name: "keys differing in case are kept",
			in:   "metadata:\n  name: a\n  Name: b\n",
			want: []plugin.RawEntity{{Data: map[string]any{"metadata": map[string]any{"name": "a", "Name": "b"}}, Location: testLoc, Line: 1, Column: 1}},
		},
		{
			name: "non-string keys become text",
			in:   "1: a\ntrue: b\n",
			want: []plugin.RawEntity{{Data: map[string]any{"1": "a", "true": "b"}, Location: testLoc, Line: 1, Column: 1}},
		},
		{
			name:     "duplicate keys",
			in:       "a: 1\na: 2\n---\nb: 1\n",
			want:     []plugin.RawEntity{{Data: map[string]any{"b": float64(1)}, Location: testLoc, Line: 4, Column: 1}},
			wantErrs: []string{`YAML error at file:/srv/catalog/catalog-info.yaml, Map keys must be unique; "a" is repeated at line 2, column 1`},
		},
		{
			name:     "syntax error keeps earlier documents",
			in:       "a: 1\n---\nb: [1, 2\n",
			want:     []plugin.RawEntity{{Data: map[string]any{"a": float64(1)}, Location: testLoc, Line: 1, Column: 1}},
			wantErrs: []string{"YAML error at file:/srv/catalog/catalog-info.yaml, did not find expected ',' or ']' (while parsing a flow sequence) at line 4, column 1"},
		},
		{
			name:     "mapping in a compact value",
			in:       "a: b: c\n",
			wantErrs: []string{"YAML error at file:/srv/catalog/catalog-info.yaml, mapping values are not allowed in this context at line 1, column 5"},
		},
		{
			name:     "unknown alias",
			in:       "a: *nope\n",
			wantErrs: []string{"YAML error at file:/srv/catalog/catalog-info.yaml, unknown anchor 'nope' referenced at line 1, column 4"},
		},
		{
			name:     "recursive alias",
			in:       "a: &x\n  b: *x\n",
			wantErrs: []string{`YAML error at file:/srv/catalog/catalog-info.yaml, alias "x" refers to a value that contains it at line 2, column 6`},
		},
		{
			name:     "complex keys",
			in:       "? [a]\n: 1\n",
			wantErrs: []string{"YAML error at file:/srv/catalog/catalog-info.yaml, mapping keys must be scalars at line 1, column 3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseEntityYAML([]byte(tt.in), testLoc)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrs, errorTexts(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// billionLaughs builds the classic alias bomb: each level refers to the
// previous one ten times, so level 9 expands to 10^9 strings.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestParseEntityYAMLHostile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		lim     ParseLimits
		wantErr string
	}{
		{name: "alias bomb", in: billionLaughs(), wantErr: "alias expansion exceeds the limit of 100000 nodes"},
		{name: "deep flow nesting", in: "a: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000), wantErr: "nesting depth exceeds the limit of 128"},
		{name: "deep block nesting", in: deepBlock(1000), wantErr: "nesting depth exceeds the limit of 128"},
		{name: "deep alias nesting", in: deepAliases(), lim: ParseLimits{MaxDepth: 20}, wantErr: "nesting depth exceeds the limit of 20"},
		{name: "large input", in: "a: " + strings.Repeat("x", DefaultParseMaxBytes), wantErr: "exceeds the limit of 4194304 bytes"},
		{name: "custom size limit", in: "a: 1234567890\n", lim: ParseLimits{MaxBytes: 8}, wantErr: "input of 14 bytes exceeds the limit of 8 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got, errs := ParseEntityYAMLLimits([]byte(tt.in), testLoc, tt.lim)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("took %v; hostile input must fail fast", elapsed)
			}
			if len(got) != 0 {
				t.Errorf("got %d entities, want none", len(got))
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.wantErr) {
				t.Fatalf("errors = %q, want one containing %q", errorTexts(errs), tt.wantErr)
			}
			if !strings.HasPrefix(errs[0].Error(), "YAML error at file:/srv/catalog/catalog-info.yaml, ") {
				t.Errorf("error %q does not name the location", errs[0])
			}
		})
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i))
		b.WriteString("k:\n")
	}
	return b.String()
}

// deepAliases nests shallow anchors through aliases, which the parser's own
// depth check does not see.
func deepAliases() string {
	var b strings.Builder
	b.WriteString("l0: &l0 {v: 1}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "l%d: &l%d {v: *l%d}\n", i, i, i-1)
	}
	return b.String()
}

func TestParseEntityYAMLAliasBombMemory(t *testing.T) {
	allocs := testing.AllocsPerRun(1, func() {
		ParseEntityYAML([]byte(billionLaughs()), testLoc)
	})
	// The budget caps construction at 100,000 nodes; a few allocations each.
	if allocs > 1_000_000 {
		t.Errorf("alias bomb made %.0f allocations; the budget should bound it", allocs)
	}
}

func FuzzParseEntityYAML(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n",
		"a: &x [1]\nb: *x\n---\n- 1\n",
		"a: b: c",
		billionLaughs(),
		"<<: {a: 1}\n",
		"? [a]\n: 1\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ents, _ := ParseEntityYAMLLimits(data, testLoc, ParseLimits{MaxAliasNodes: 10_000})
		for _, e := range ents {
			if e.Data == nil {
				t.Fatal("entity with nil data")
			}
		}
	})
}
