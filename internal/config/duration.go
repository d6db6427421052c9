package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Calendar units are fixed lengths, as Backstage's duration reader treats
// them: a month is 30 days and a year 365 days in ISO 8601 and object form.
const (
	day   = 24 * time.Hour
	week  = 7 * day
	month = 30 * day
	year  = 365 * day
)

var isoDuration = regexp.MustCompile(`(?i)^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)

var isoUnits = []time.Duration{year, month, week, day, time.Hour, time.Minute, time.Second}

// msDuration is the "ms" library's format: a number and an optional unit;
// no unit means milliseconds.
var msDuration = regexp.MustCompile(`(?i)^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?$`)

var msUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": day, "day": day, "days": day,
	"w": week, "week": week, "weeks": week,
	// The ms library counts a year as 365.25 days.
	"y": year + 6*time.Hour, "yr": year + 6*time.Hour, "yrs": year + 6*time.Hour,
	"year": year + 6*time.Hour, "years": year + 6*time.Hour,
}

// objectUnits are the keys of a duration written as an object.
var objectUnits = []struct {
	key  string
	unit time.Duration
}{
	{"years", year}, {"months", month}, {"weeks", week}, {"days", day},
	{"hours", time.Hour}, {"minutes", time.Minute}, {"seconds", time.Second},
	{"milliseconds", time.Millisecond},
}

// ParseDuration parses a duration written as Backstage configuration
// writes one: ISO 8601 ("PT2M", "P1DT12H"), the ms library's style
// ("2 minutes", "30s", "1.5h", or a bare number of milliseconds), or, as a
// Callboard extension, Go's style ("1h30m"). Negative durations are errors.
func ParseDuration(s string) (time.Duration, error) {
	ns, ok := parseDuration(s)
	if !ok {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return toDuration(ns, strconv.Quote(s))
}

// parseDuration returns the length of s in nanoseconds, which may be
// negative or out of range; ok is false when s is no duration at all.
func parseDuration(s string) (ns float64, ok bool) {
	s = strings.TrimSpace(s)
	if m := isoDuration.FindStringSubmatch(s); m != nil && !strings.EqualFold(s, "P") && !strings.HasSuffix(strings.ToUpper(s), "T") {
		var total float64
		for i, unit := range isoUnits {
			if m[i+1] == "" {
				continue
			}
			f, err := strconv.ParseFloat(strings.Replace(m[i+1], ",", ".", 1), 64)
			if err != nil {
				return 0, false
			}
			total += f * float64(unit)
		}
		return total, true
	}
	if m := msDuration.FindStringSubmatch(s); m != nil && len(s) <= 100 {
		f, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, false
		}
		unit := time.Millisecond
		if m[2] != "" {
			unit = msUnits[strings.ToLower(m[2])]
		}
		return f * float64(unit), true
	}
	if d, err := time.ParseDuration(s); err == nil {
		return float64(d), true
	}
	return 0, false
}

// toDuration checks a computed number of nanoseconds; what describes the
// written value for messages.
func toDuration(ns float64, what string) (time.Duration, error) {
	switch {
	case ns < 0:
		return 0, fmt.Errorf("duration %s is negative", what)
	case ns >= math.MaxInt64 || math.IsNaN(ns):
		return 0, fmt.Errorf("duration %s is too long", what)
	}
	return time.Duration(math.Round(ns)), nil
}

// durationOf reads a duration value: a string for ParseDuration, a number
// of milliseconds, or an object such as {minutes: 2, seconds: 30}.
func durationOf(n *node) (time.Duration, error) {
	const want = `expected a duration such as "PT2M", "2 minutes" or {minutes: 2}, got %s`
	switch n.kind {
	case kindString:
		ns, ok := parseDuration(n.text)
		if !ok {
			return 0, fmt.Errorf(want, n.describe())
		}
		return toDuration(ns, n.describe())
	case kindNumber:
		f, _ := strconv.ParseFloat(n.text, 64)
		return toDuration(f*float64(time.Millisecond), n.text+" ms")
	case kindObject:
		return durationObject(n)
	}
	return 0, fmt.Errorf(want, n.describe())
}

func durationObject(n *node) (time.Duration, error) {
	keys := make([]string, len(objectUnits))
	for i, u := range objectUnits {
		keys[i] = u.key
	}
	if len(n.keys) == 0 {
		return 0, fmt.Errorf("a duration object needs one or more of %s", strings.Join(keys, ", "))
	}
	var total float64
	for _, k := range n.keys {
		unit := time.Duration(0)
		for _, u := range objectUnits {
			if u.key == k {
				unit = u.unit
			}
		}
		if unit == 0 {
			return 0, fmt.Errorf("unknown duration unit %q, expected one or more of %s", k, strings.Join(keys, ", "))
		}
		f, ok := floatOf(n.fields[k])
		if !ok {
			return 0, fmt.Errorf("%s: expected a number, got %s", k, n.fields[k].describe())
		}
		total += f * float64(unit)
	}
	return toDuration(total, "object")
}

// Interval is a duration that can be switched off by writing false, as
// catalog.processingInterval can.
type Interval struct {
	// Duration is zero when the key is not set.
	Duration time.Duration
	// Disabled is true when the key is set to false.
	Disabled bool
}

func (iv *Interval) decodeConfig(d *decoder, n *node, path string) {
	if b, ok := boolOf(n); ok {
		if b {
			d.fail(n, path, "expected a duration or false, got true")
			return
		}
		*iv = Interval{Disabled: true}
		return
	}
	dur, err := durationOf(n)
	if err != nil {
		d.fail(n, path, "%v", err)
		return
	}
	*iv = Interval{Duration: dur}
}
