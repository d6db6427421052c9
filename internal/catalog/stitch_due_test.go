package catalog

import (
	"testing"
	"time"
)

// While processing works through a backlog, stitching takes only entries
// that waited their lag: a minute during a first load, when entities
// processed later still add relations to those before them, five
// seconds otherwise.
func TestStitchDue(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		backlog, bulk bool
		want          time.Time
	}{
		{"no backlog", false, false, now},
		{"no backlog in a first load", false, true, now},
		{"backlog", true, false, now.Add(-5 * time.Second)},
		{"backlog in a first load", true, true, now.Add(-time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stitchDue(now, tt.backlog, tt.bulk, time.Minute); !got.Equal(tt.want) {
				t.Errorf("stitchDue = %v, want %v", got, tt.want)
			}
		})
	}
}
