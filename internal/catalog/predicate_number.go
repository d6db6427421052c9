package catalog

import (
	"math"
	"strconv"
	"strings"
)

// jsNumberString formats a JSON number literal the way JavaScript's
// String(n) does, because Backstage compares String(value) with the
// search table: 1.0 is "1", 1e21 is "1e+21", 1e-7 is "1e-7".
func jsNumberString(lit string) string {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return strings.ToLower(lit)
	}
	switch {
	case math.IsInf(f, 1):
		return "infinity" // String(Infinity), lower-cased like every value
	case math.IsInf(f, -1):
		return "-infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e-07
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if digits == "" {
			digits = "0"
		}
		return mant + "e" + string(sign) + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
