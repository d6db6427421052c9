package search

import (
	"math"
	"strings"
	"testing"
)

func TestMatchTier(t *testing.T) {
	fields := []string{"Release train", "release-train", "Ships every week", "ops weekly"}
	tests := []struct {
		query string
		want  int
	}{
		{"release", 0},
		{"release train", 0},
		{`"release train"`, 0},
		{"release week", 2},
		{"train ops", 3},
		{"week*", 2},
		{"weekly", 3},
		{"train nowhere", 4},
		{"release -train", 0},
		{`"train ships"`, 4}, // a phrase does not cross fields
	}
	for _, tt := range tests {
		if got := MatchTier(ParseQuery(tt.query), fields...); got != tt.want {
			t.Errorf("MatchTier(%q) = %d, want %d", tt.query, got, tt.want)
		}
	}
}

func TestRank(t *testing.T) {
	q := ParseQuery("ledger")
	tiers := [][]string{
		{"Ledger reconciliation", "recon", "Matches statements", "", ""},
		{"Bookkeeping", "ledger sync", "Copies entries", "", ""},
		{"Accounts", "accounts", "Keeps the general ledger balanced", "", ""},
		{"Audit", "audit", "Records", "ledger audit", ""},
		{"Month end", "", "", "", "the ledger is closed"},
	}
	for want, f := range tiers {
		if got, _ := Rank(q, f...); got != want {
			t.Errorf("tier of %v = %d, want %d", f, got, want)
		}
	}
	// Within a tier: a shorter title scores higher, more occurrences too.
	_, short := Rank(q, "Ledger", "", "", "", "")
	_, long := Rank(q, "Ledger of all the accounts we keep", "", "", "", "")
	_, twice := Rank(q, "Ledger", "", "the ledger", "", "")
	if !(short > long && twice > short) {
		t.Errorf("scores: short %v, long %v, twice %v", short, long, twice)
	}
}

// TestRankerMatchesWords checks that the Ranker's own word splitting
// agrees with Words, ASCII or not, through the tiers and scores it gives.
func TestRankerMatchesWords(t *testing.T) {
	fields := [][]string{
		{"Payments API", "payments-api", "The payments API of the checkout platform", "go rest", "getting started: run the payments api"},
		{"ÉCOLE Straße", "ecole", "Unterstützt İstanbul und ÅNGSTRÖM", "", "école straße ångström"},
		{"", "", "", "", ""},
		{"a-b_c", "x1 y2", "9lives", "  ", "--"},
	}
	queries := []string{"payments", "payments api", `"payments api"`, "pay*", "école", "straße", "ångström", "x1", "9lives", "b c", "istanbul -go"}
	r := map[string]*Ranker{}
	for _, qs := range queries {
		r[qs] = NewRanker(ParseQuery(qs).WithPlurals())
	}
	for _, f := range fields {
		for _, qs := range queries {
			q := ParseQuery(qs).WithPlurals()
			wantTier, wantScore := rankByWords(q, f...)
			gotTier, gotScore := r[qs].Rank(f...)
			if gotTier != wantTier || gotScore != wantScore {
				t.Errorf("%q over %q: Ranker gives (%d, %v), Words give (%d, %v)", qs, f, gotTier, gotScore, wantTier, wantScore)
			}
		}
	}
}

// rankByWords is Rank written over Words, as it was before the Ranker.
func rankByWords(q Query, fields ...string) (int, float64) {
	words := make([][]string, len(fields))
	for i, f := range fields {
		words[i] = Words(f)
	}
	count := func(t Term, ws []string) int {
		n := 0
		for _, p := range t.Alts {
			for i := 0; i+len(p.Words) <= len(ws); i++ {
				ok := true
				for j, w := range p.Words {
					got := ws[i+j]
					if p.Prefix && j == len(p.Words)-1 {
						ok = strings.HasPrefix(got, w)
					} else {
						ok = got == w
					}
					if !ok {
						break
					}
				}
				if ok {
					n++
				}
			}
		}
		return n
	}
	tier := len(fields)
	met := make([]bool, len(q.Terms))
	for k := range fields {
		all := true
		for i, t := range q.Terms {
			if t.Exclude || met[i] {
				continue
			}
			if count(t, words[k]) > 0 {
				met[i] = true
			} else {
				all = false
			}
		}
		if all {
			tier = k
			break
		}
	}
	score := 0.0
	for k := range fields {
		if k >= rankFields || len(words[k]) == 0 {
			continue
		}
		norm := 1 - bm25B + bm25B*float64(len(words[k]))/fieldLengths[k]
		for _, t := range q.Terms {
			if t.Exclude {
				continue
			}
			if tf := float64(count(t, words[k])); tf > 0 {
				score += fieldWeights[k] * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
			}
		}
	}
	return tier, math.Round(score*1e6) / 1e6
}
