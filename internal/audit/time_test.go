package audit_test

import (
	"testing"
	"time"

	"github.com/callboard/callboard/internal/audit"
)

func TestParseTime(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"", false, time.Time{}},
		{"", true, time.Time{}},
		{"2026-11-20", false, day},
		{"2026-11-20", true, day.AddDate(0, 0, 1)},
		{"2026-11-20T09:30:00Z", true, day.Add(9*time.Hour + 30*time.Minute)},
		{"2026-11-20T10:30:00+01:00", false, day.Add(9*time.Hour + 30*time.Minute)},
	}
	for _, tt := range tests {
		got, err := audit.ParseTime(tt.in, tt.end)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q, %v) = %v, %v; want %v", tt.in, tt.end, got, err, tt.want)
		}
	}
	for _, bad := range []string{"yesterday", "2026-13-01", "20/11/2026"} {
		if _, err := audit.ParseTime(bad, false); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
}
