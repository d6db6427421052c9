package search

import "testing"

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
