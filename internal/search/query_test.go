package search

import (
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func words(ws ...string) []Phrase { return []Phrase{{Words: ws}} }

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"   ", Query{}},
		{"Payments", Query{Terms: []Term{{Alts: words("payments")}}, Exact: "payments"}},
		{"release train", Query{Terms: []Term{{Alts: words("release")}, {Alts: words("train")}}, Exact: "release train"}},
		{`"Release Train"`, Query{Terms: []Term{{Alts: words("release", "train")}}, Exact: "release train"}},
		{"payments-api", Query{Terms: []Term{{Alts: words("payments", "api")}}, Exact: "payments api"}},
		{"deploy -legacy", Query{Terms: []Term{{Alts: words("deploy")}, {Alts: words("legacy"), Exclude: true}}}},
		{`deploy -"legacy monolith"`, Query{Terms: []Term{{Alts: words("deploy")}, {Alts: words("legacy", "monolith"), Exclude: true}}}},
		{"observ*", Query{Terms: []Term{{Alts: []Phrase{{Words: []string{"observ"}, Prefix: true}}}}}},
		{`"release tr"*`, Query{Terms: []Term{{Alts: []Phrase{{Words: []string{"release", "tr"}, Prefix: true}}}}}},
		{`"unterminated phrase`, Query{Terms: []Term{{Alts: words("unterminated", "phrase")}}, Exact: "unterminated phrase"}},
		{"- lone dash", Query{Terms: []Term{{Alts: words("lone")}, {Alts: words("dash")}}, Exact: "lone dash"}},
		{"* ** \"\" ,,", Query{}},
		{"a\"b c\"", Query{Terms: []Term{{Alts: words("a")}, {Alts: words("b", "c")}}, Exact: "a b c"}},
		{"Ünïcode wörds", Query{Terms: []Term{{Alts: words("ünïcode")}, {Alts: words("wörds")}}, Exact: "ünïcode wörds"}},
		{"--double", Query{Terms: []Term{{Alts: words("double"), Exclude: true}}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseQuery(tt.in)); diff != "" {
			t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseQueryBoundsTerms(t *testing.T) {
	q := ParseQuery(strings.Repeat("w ", 40))
	if len(q.Terms) != MaxTerms {
		t.Errorf("%d terms, want %d", len(q.Terms), MaxTerms)
	}
}

func TestQueryString(t *testing.T) {
	q := ParseQuery(`payments -"old api" observ*`)
	q = q.WithCorrections(map[string][]string{"payments": {"payment"}})
	if got, want := q.String(), `(payments|payment) -"old api" observ*`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestFuzzyWords(t *testing.T) {
	q := ParseQuery(`kubernets op deploy* -legacy "two words" 12345 paymnets`)
	if diff := cmp.Diff([]string{"kubernets", "paymnets"}, q.FuzzyWords()); diff != "" {
		t.Errorf("FuzzyWords (-want +got):\n%s", diff)
	}
}

func TestWithPlurals(t *testing.T) {
	tests := map[string]string{
		"payments":   "payment",
		"payment":    "payments",
		"policies":   "policy",
		"policy":     "policies",
		"key":        "",
		"keys":       "key",
		"classes":    "class",
		"class":      "classes",
		"boxes":      "box",
		"status":     "statuses",
		"api":        "",
		"k8s":        "",
		"branch":     "branches",
		"deployment": "deployments",
	}
	for in, want := range tests {
		q := ParseQuery(in).WithPlurals()
		got := ""
		if alts := q.Terms[0].Alts; len(alts) > 1 {
			got = alts[1].Words[0]
		}
		if got != want {
			t.Errorf("plural of %q = %q, want %q", in, got, want)
		}
	}
	q := ParseQuery(`deploy* "two words" -services`).WithPlurals()
	if q.Terms[0].Alts[0].Prefix && len(q.Terms[0].Alts) != 1 || len(q.Terms[1].Alts) != 1 || len(q.Terms[2].Alts) != 2 {
		t.Errorf("plurals of prefixes or phrases: %s", q)
	}
}

// FuzzParseQuery checks what engines rely on: terms have alternatives
// made of non-empty lower-case words of letters and digits, a query has
// at most MaxTerms terms, only plain queries have an Exact key, and
// parsing the query's own String gives the same terms.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "payments", `"release train" -legacy observ*`, `-"a b"* "c`, "--x", "é-ü*", "a\"b", strings.Repeat("x ", 20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if len(q.Terms) > MaxTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		plain := true
		for _, term := range q.Terms {
			if len(term.Alts) != 1 {
				t.Fatalf("term with %d alternatives", len(term.Alts))
			}
			p := term.Alts[0]
			if term.Exclude || p.Prefix {
				plain = false
			}
			if len(p.Words) == 0 {
				t.Fatal("phrase without words")
			}
			for _, w := range p.Words {
				if w == "" || w != strings.ToLower(w) {
					t.Fatalf("word %q is empty or not lower-cased", w)
				}
				for _, r := range w {
					if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
						t.Fatalf("word %q holds %q", w, r)
					}
				}
			}
		}
		if (q.Exact != "") != (plain && len(q.Terms) > 0) {
			t.Fatalf("Exact %q for %q", q.Exact, s)
		}
		again := ParseQuery(q.String())
		if diff := cmp.Diff(q.Terms, again.Terms); diff != "" {
			t.Fatalf("reparsing %q as %q changes the terms (-first +again):\n%s", s, q.String(), diff)
		}
		_ = q.WithPlurals()
	})
}
