package trigger

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func TestCronNext(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		expr  string
		loc   *time.Location
		after string
		want  []string // successive fire times, RFC 3339 in UTC
	}{
		{"every minute", "* * * * *", nil, "2026-03-01T10:00:30Z", []string{"2026-03-01T10:01:00Z", "2026-03-01T10:02:00Z"}},
		{"exactly on a fire time is after it", "0 * * * *", nil, "2026-03-01T10:00:00Z", []string{"2026-03-01T11:00:00Z"}},
		{"weekdays at six", "0 6 * * 1-5", nil, "2026-03-06T07:00:00Z", []string{"2026-03-09T06:00:00Z", "2026-03-10T06:00:00Z"}},
		{"names", "30 12 * jan,jul MON-wed", nil, "2026-01-01T00:00:00Z", []string{"2026-01-05T12:30:00Z", "2026-01-06T12:30:00Z", "2026-01-07T12:30:00Z", "2026-01-12T12:30:00Z"}},
		{"steps", "*/20 9-10 * * *", nil, "2026-03-01T09:30:00Z", []string{"2026-03-01T09:40:00Z", "2026-03-01T10:00:00Z", "2026-03-01T10:20:00Z", "2026-03-01T10:40:00Z", "2026-03-02T09:00:00Z"}},
		{"start with step", "5/30 0 * * *", nil, "2026-03-01T00:00:00Z", []string{"2026-03-01T00:05:00Z", "2026-03-01T00:35:00Z", "2026-03-02T00:05:00Z"}},
		{"range with step", "0 1-10/4 * * *", nil, "2026-03-01T00:00:00Z", []string{"2026-03-01T01:00:00Z", "2026-03-01T05:00:00Z", "2026-03-01T09:00:00Z", "2026-03-02T01:00:00Z"}},
		{"sunday as 7", "0 0 * * 7", nil, "2026-03-01T00:00:00Z", []string{"2026-03-08T00:00:00Z"}},
		{"day of month or day of week", "0 0 13 * fri", nil, "2026-03-01T00:00:00Z", []string{"2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z"}},
		{"day of month and any weekday", "0 0 13 * *", nil, "2026-03-01T00:00:00Z", []string{"2026-03-13T00:00:00Z", "2026-04-13T00:00:00Z"}},
		{"leap day", "0 0 29 2 *", nil, "2026-03-01T00:00:00Z", []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"31st skips short months", "0 0 31 * *", nil, "2026-03-31T12:00:00Z", []string{"2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"}},
		{"@hourly", "@hourly", nil, "2026-03-01T10:59:59Z", []string{"2026-03-01T11:00:00Z"}},
		{"@daily", "@daily", nil, "2026-03-01T10:00:00Z", []string{"2026-03-02T00:00:00Z"}},
		{"@weekly", "@weekly", nil, "2026-03-03T10:00:00Z", []string{"2026-03-08T00:00:00Z"}},
		{"@monthly", "@monthly", nil, "2026-03-03T10:00:00Z", []string{"2026-04-01T00:00:00Z"}},
		{"@yearly", "@YEARLY", nil, "2026-03-03T10:00:00Z", []string{"2027-01-01T00:00:00Z"}},
		{"zone", "0 6 * * 1-5", berlin, "2026-01-05T00:00:00Z", []string{"2026-01-05T05:00:00Z", "2026-01-06T05:00:00Z"}},
		// Summer time starts in Berlin on 29 March 2026: 02:00 CET becomes 03:00 CEST.
		{"spring forward: skipped time fires when the clocks jump", "30 2 * * *", berlin, "2026-03-28T12:00:00Z",
			[]string{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}},
		{"spring forward: every 15 minutes", "*/15 * * * *", berlin, "2026-03-29T00:40:00Z",
			[]string{"2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z"}},
		{"spring forward: daily at 3", "0 3 * * *", berlin, "2026-03-28T12:00:00Z", []string{"2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"}},
		// Summer time ends in Berlin on 25 October 2026: 03:00 CEST becomes 02:00 CET.
		{"fall back: repeated time fires once", "30 2 * * *", berlin, "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"fall back: hourly skips the repeated hour", "0 * * * *", berlin, "2026-10-24T23:30:00Z",
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"}},
		{"fall back: from inside the repeated hour", "30 2 * * *", berlin, "2026-10-25T01:10:00Z", []string{"2026-10-26T01:30:00Z"}},
		{"new york spring forward", "30 2 * * *", ny, "2026-03-07T12:00:00Z", []string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseCron(tt.expr, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			at := utc(tt.after)
			for range tt.want {
				at = s.Next(at)
				got = append(got, at.UTC().Format(time.RFC3339))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Next (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCronErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "want 5 fields"},
		{"* * * *", "want 5 fields"},
		{"* * * * * *", "want 5 fields"},
		{"60 * * * *", `minute field "60": value 60 out of range 0-59`},
		{"* 24 * * *", `hour field "24": value 24 out of range 0-23`},
		{"* * 0 * *", `day of month field "0": value 0 out of range 1-31`},
		{"* * * 13 *", `month field "13": value 13 out of range 1-12`},
		{"* * * * 8", `day of week field "8": value 8 out of range 0-7`},
		{"5-1 * * * *", "range 5-1 runs backwards"},
		{"*/0 * * * *", `step "0" is not a positive number`},
		{"*/x * * * *", `step "x" is not a positive number`},
		{"1/9223372036854775807 * * * *", "step 9223372036854775807 out of range 1-59"},
		{"a * * * *", `"a" is not a number`},
		{"1,,2 * * * *", "empty list item"},
		{"* * * foo *", `"foo" is not a number`},
		{"@often", "unknown descriptor @often"},
		{"0 0 30 2 *", "never fires"},
	}
	for _, tt := range tests {
		_, err := ParseCron(tt.expr, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCron(%q) = %v, want an error containing %q", tt.expr, err, tt.want)
		}
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "0 6 * * 1-5", "*/15 9-17 * jan-mar mon,fri", "@daily", "5/7 1-23/2 31 2,4 7", "0 0 29 2 *"} {
		f.Add(s)
	}
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseCron(expr, berlin)
		if err != nil {
			return
		}
		// A schedule that parses fires, and its fire times only move on.
		at := start
		for range 5 {
			next := s.Next(at)
			if next.IsZero() {
				t.Fatalf("%q: no fire time after %v", expr, at)
			}
			if !next.After(at) {
				t.Fatalf("%q: Next(%v) = %v, not after it", expr, at, next)
			}
			if next.Sub(at) > (searchYears+1)*366*24*time.Hour {
				t.Fatalf("%q: Next(%v) = %v, too far", expr, at, next)
			}
			at = next
		}
	})
}
