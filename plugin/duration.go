package plugin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as templates write them: Go's form
// ("90s", "1h30m"), days ("2d", "1.5d"), or a number of seconds. Negative
// durations are refused.
func ParseDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if n, err := strconv.ParseFloat(days, 64); err == nil && n >= 0 {
				return time.Duration(n * float64(24*time.Hour)), nil
			}
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a duration such as 30s, 5m, 2h or 1d", x)
		}
		return d, nil
	case int:
		if x >= 0 {
			return time.Duration(x) * time.Second, nil
		}
	case float64:
		if x >= 0 && x < math.MaxInt64/float64(time.Second) {
			return time.Duration(x * float64(time.Second)), nil
		}
	}
	return 0, fmt.Errorf("%v is not a duration such as 30s, 5m, 2h or 1d", v)
}
