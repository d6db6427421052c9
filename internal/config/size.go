package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ByteSize is an amount of memory, written as a number of bytes or as a
// number and a unit: "512MiB", "1.5 GiB", "400MB", "64k". K, M and G
// count in thousands, KiB, MiB and GiB in 1024s; units ignore case.
type ByteSize int64

var byteSize = regexp.MustCompile(`(?i)^(\d+(?:\.\d+)?) *(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$`)

var byteUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "tib": 1 << 40,
}

// ParseByteSize parses a size written as ByteSize describes.
func ParseByteSize(s string) (ByteSize, error) {
	m := byteSize.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("invalid size %q: want bytes or a number and a unit such as 512MiB or 2GB", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: %w", s, err)
	}
	f *= byteUnits[strings.ToLower(m[2])]
	if f >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return ByteSize(f), nil
}

func (b *ByteSize) decodeConfig(d *decoder, n *node, path string) {
	if n.kind != kindNumber && n.kind != kindString {
		d.typeError(n, path, `a size such as 536870912 or "512MiB"`)
		return
	}
	v, err := ParseByteSize(n.text)
	if err != nil {
		d.fail(n, path, "%v", err)
		return
	}
	*b = v
}
