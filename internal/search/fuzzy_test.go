package search

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kubernetes", "kubernets", 1},
		{"payments", "paymnets", 1}, // a swap of neighbours counts one
		{"payments", "pymants", 2},
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := EditDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestCorrections(t *testing.T) {
	cands := []string{"payments", "payment", "paymaster", "pavements", "paymnets", "shipments", "payments"}
	got := Corrections("paymnets", cands)
	if diff := cmp.Diff([]string{"payments", "payment"}, got); diff != "" {
		t.Errorf("Corrections (-want +got):\n%s", diff)
	}
	if got := Corrections("plan", []string{"plans", "clan", "plane", "planet"}); !cmp.Equal(got, []string{"clan", "plane", "plans"}) {
		t.Errorf("short words allow one edit: %v", got)
	}
}
