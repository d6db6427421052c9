package app

import (
	"testing"
	"time"
)

func TestFirstLoadHoldIsBounded(t *testing.T) {
	start := time.Unix(1000, 0)
	for _, tc := range []struct {
		name    string
		loading bool
		after   time.Duration
		want    bool
	}{
		{"loading", true, time.Minute, true},
		{"not loading", false, time.Minute, false},
		{"loading past the bound", true, maxFirstLoadHold, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			hold := firstLoadHold(func() bool { return tc.loading }, func() time.Time { return now }, maxFirstLoadHold)
			now = start.Add(tc.after)
			if got := hold(); got != tc.want {
				t.Errorf("hold() = %v, want %v", got, tc.want)
			}
		})
	}
}
