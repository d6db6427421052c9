package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "PT2M", want: 2 * time.Minute},
		{in: "PT1H30M", want: 90 * time.Minute},
		{in: "PT0.5S", want: 500 * time.Millisecond},
		{in: "PT1,5S", want: 1500 * time.Millisecond},
		{in: "P1D", want: 24 * time.Hour},
		{in: "P1DT12H", want: 36 * time.Hour},
		{in: "P2W", want: 14 * 24 * time.Hour},
		{in: "P1M", want: 30 * 24 * time.Hour},
		{in: "P1Y", want: 365 * 24 * time.Hour},
		{in: "pt10m", want: 10 * time.Minute},
		{in: "2 minutes", want: 2 * time.Minute},
		{in: "30s", want: 30 * time.Second},
		{in: "1.5h", want: 90 * time.Minute},
		{in: ".5s", want: 500 * time.Millisecond},
		{in: "100", want: 100 * time.Millisecond},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "1 day", want: 24 * time.Hour},
		{in: "3 Weeks", want: 21 * 24 * time.Hour},
		{in: "1y", want: 365*24*time.Hour + 6*time.Hour},
		{in: "5 mins", want: 5 * time.Minute},
		{in: "2 hrs", want: 2 * time.Hour},
		{in: " 10m ", want: 10 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "0", want: 0},
		{in: "P", err: `invalid duration "P"`},
		{in: "PT", err: `invalid duration "PT"`},
		{in: "P1DT", err: `invalid duration "P1DT"`},
		{in: "PT2X", err: `invalid duration "PT2X"`},
		{in: "soon", err: `invalid duration "soon"`},
		{in: "", err: `invalid duration ""`},
		{in: "2 fortnights", err: `invalid duration "2 fortnights"`},
		{in: "-1s", err: `duration "-1s" is negative`},
		{in: "99999999999 years", err: `duration "99999999999 years" is too long`},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
		case err != nil || got != tt.want:
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDurationValues(t *testing.T) {
	tests := []struct {
		yaml string
		want time.Duration
		err  string
	}{
		{yaml: "PT2M", want: 2 * time.Minute},
		{yaml: "1500", want: 1500 * time.Millisecond},
		{yaml: "{minutes: 2, seconds: 30}", want: 150 * time.Second},
		{yaml: "{hours: 1, milliseconds: 5}", want: time.Hour + 5*time.Millisecond},
		{yaml: "{days: 1, weeks: 1}", want: 8 * 24 * time.Hour},
		{yaml: "{months: 1, years: 1}", want: 395 * 24 * time.Hour},
		{yaml: "{minutes: '3'}", want: 3 * time.Minute},
		{yaml: "{}", err: "a duration object needs one or more of years, months, weeks, days, hours, minutes, seconds, milliseconds"},
		{yaml: "{minutes: soon}", err: `minutes: expected a number, got "soon"`},
		{yaml: "{minutes: -1}", err: `duration object is negative`},
		{yaml: "-5", err: `duration -5 ms is negative`},
		{yaml: "[PT2M]", err: `expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got a list`},
		{yaml: "true", err: `expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got true`},
	}
	for _, tt := range tests {
		n, err := parseYAML([]byte(tt.yaml), "t")
		if err != nil {
			t.Fatal(err)
		}
		got, err := durationOf(n)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("durationOf(%s) = %v, %v; want error %q", tt.yaml, got, err, tt.err)
			}
		case err != nil || got != tt.want:
			t.Errorf("durationOf(%s) = %v, %v; want %v", tt.yaml, got, err, tt.want)
		}
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		yaml string
		want Interval
		err  string
	}{
		{yaml: "PT2M", want: Interval{Duration: 2 * time.Minute}},
		{yaml: "{seconds: 90}", want: Interval{Duration: 90 * time.Second}},
		{yaml: "false", want: Interval{Disabled: true}},
		{yaml: "'false'", want: Interval{Disabled: true}},
		{yaml: "true", err: "t:1:1: x: expected a duration or false, got true"},
		{yaml: "soon", err: `t:1:1: x: expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got "soon"`},
	}
	for _, tt := range tests {
		n, err := parseYAML([]byte(tt.yaml), "t")
		if err != nil {
			t.Fatal(err)
		}
		var got Interval
		var d decoder
		d.decode(n, "x", reflectValue(&got))
		err = d.err()
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("Interval from %s = %v, %v; want error %q", tt.yaml, got, err, tt.err)
			}
		case err != nil || got != tt.want:
			t.Errorf("Interval from %s = %+v, %v; want %+v", tt.yaml, got, err, tt.want)
		}
	}
}
