package catalog

import (
	"math"
	"strconv"
	"strings"
)

// jsNumberString formats a JSON number literal the way JavaScript's
// String(n) does, because Backstage compares String(value) with the
// search table: 1.0 is "1", 1e21 is "1e+21", 1e-7 is "1e-7". Out of
// range literals are String(Infinity), lower-cased like every value.
func jsNumberString(lit string) string {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return strings.ToLower(lit)
	}
	return strings.ToLower(jsFloatString(f))
}
