package trigger

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed five-field cron expression in a time zone.
type Schedule struct {
	expr                     string
	minute, hour, dom, month uint64
	dow                      uint64
	// domStar and dowStar record a field written starting with "*": when
	// either is, a day must match both day fields; otherwise either (as
	// Vixie cron has it).
	domStar, dowStar bool
	loc              *time.Location
}

// descriptors are the @ shorthands.
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

var monthNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var dayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

type field struct {
	name     string
	min, max int
	names    map[string]int
}

var fields = [5]field{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, monthNames},
	// 7 is Sunday too; it is folded onto 0 after parsing.
	{"day of week", 0, 7, dayNames},
}

// searchYears bounds the search for the next fire time: every schedule
// that fires at all fires within 8 years (29 February).
const searchYears = 8

// ParseCron parses a cron expression: five fields (minute, hour, day of
// month, month, day of week) of "*", numbers, ranges "a-b", lists "a,b"
// and steps "/n", English month and day names (jan, mon), or one of
// @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. Times
// are wall-clock times in loc (UTC when nil). An expression that never
// fires (30 February) is an error.
func ParseCron(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	text := strings.TrimSpace(expr)
	if strings.HasPrefix(text, "@") {
		d, ok := descriptors[strings.ToLower(text)]
		if !ok {
			return nil, fmt.Errorf("cron %q: unknown descriptor %s", expr, text)
		}
		text = d
	}
	parts := strings.Fields(text)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", expr, len(parts))
	}
	s := &Schedule{expr: expr, loc: loc}
	sets := [5]*uint64{&s.minute, &s.hour, &s.dom, &s.month, &s.dow}
	for i, p := range parts {
		bits, err := parseField(p, fields[i])
		if err != nil {
			return nil, fmt.Errorf("cron %q: %s field %q: %w", expr, fields[i].name, p, err)
		}
		*sets[i] = bits
	}
	if s.dow&(1<<7) != 0 {
		s.dow = s.dow&^(1<<7) | 1
	}
	s.domStar = strings.HasPrefix(parts[2], "*")
	s.dowStar = strings.HasPrefix(parts[4], "*")
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if s.nextCivil(start).IsZero() {
		return nil, fmt.Errorf("cron %q: never fires", expr)
	}
	return s, nil
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.expr }

// Location is the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// parseField parses one field into a bit set.
func parseField(text string, f field) (uint64, error) {
	var set uint64
	for item := range strings.SplitSeq(text, ",") {
		if item == "" {
			return 0, fmt.Errorf("empty list item")
		}
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("step %q is not a positive number", stepText)
			}
			if n > f.max {
				return 0, fmt.Errorf("step %d out of range 1-%d", n, f.max)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*":
			if f.name == "day of week" {
				hi = 6
			}
		default:
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = fieldValue(a, f); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = fieldValue(b, f); err != nil {
					return 0, err
				}
				if hi < lo {
					return 0, fmt.Errorf("range %s runs backwards", rng)
				}
			} else if hasStep {
				// "a/n" is "a-max/n".
				hi = f.max
			}
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, nil
}

// fieldValue reads a number or a name within the field's range.
func fieldValue(text string, f field) (int, error) {
	if v, ok := f.names[strings.ToLower(text)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", text)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("value %d out of range %d-%d", n, f.min, f.max)
	}
	return n, nil
}

// Next returns the first fire time after t; the zero time when there is
// none within eight years.
//
// Times follow the wall clock of the schedule's zone. A wall-clock time
// the clocks skip (the hour lost when summer time starts) fires when the
// clocks jump, at the first instant after the gap; a wall-clock time that
// happens twice (the hour repeated when it ends) fires once, the first
// time.
func (s *Schedule) Next(t time.Time) time.Time {
	c := civil(t.In(s.loc))
	limit := c.AddDate(searchYears+1, 0, 0)
	for c.Before(limit) {
		c = s.nextCivil(c)
		if c.IsZero() {
			return time.Time{}
		}
		if at := s.instant(c); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// civil is t's wall-clock time to the minute, as a UTC time: a clock
// without zone transitions to search on.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
}

// nextCivil returns the first wall-clock minute after c that matches the
// fields, or the zero time when none does within eight years.
func (s *Schedule) nextCivil(c time.Time) time.Time {
	t := c.Add(time.Minute)
	limit := t.AddDate(searchYears, 0, 0)
	for t.Before(limit) {
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
		case s.minute&(1<<uint(t.Minute())) == 0:
			// Jump to the next set minute of this hour, or the next hour.
			rest := s.minute >> uint(t.Minute()+1)
			if rest == 0 {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, time.UTC)
			} else {
				t = t.Add(time.Duration(bits.TrailingZeros64(rest)+1) * time.Minute)
			}
		default:
			return t
		}
	}
	return time.Time{}
}

func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<uint(t.Day())) != 0
	dow := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

// instant returns when the wall-clock time c (a civil UTC time) happens
// in the schedule's zone: the first of two instants when the clocks
// repeat it, the end of the gap when they skip it.
func (s *Schedule) instant(c time.Time) time.Time {
	t := time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), 0, 0, s.loc)
	start, end := t.ZoneBounds()
	got := civil(t)
	switch {
	case got.After(c):
		// c is in a gap and t is past it: the clocks jumped at start.
		return start
	case got.Before(c):
		// c is in a gap and t is before it: the clocks jump at end.
		return end
	}
	if !start.IsZero() {
		// The zone before t's may have shown c already (clocks set back).
		_, off := start.Add(-time.Second).Zone()
		earlier := c.Add(-time.Duration(off) * time.Second)
		if earlier.Before(t) && civil(earlier.In(s.loc)).Equal(c) {
			return earlier.In(s.loc)
		}
	}
	return t
}
