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
