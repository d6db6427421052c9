package jsonenc

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkAppendValue expects AppendValue to give what json.Marshal gives, or
// to decline what Marshal cannot encode.
func checkAppendValue(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	got, ok := AppendValue([]byte("prefix"), v)
	if err != nil {
		if ok {
			t.Fatalf("AppendValue(%#v) = %q, Marshal failed: %v", v, got, err)
		}
		return
	}
	if !ok {
		t.Fatalf("AppendValue(%#v) declined, Marshal gave %q", v, want)
	}
	if diff := cmp.Diff("prefix"+string(want), string(got)); diff != "" {
		t.Fatalf("AppendValue(%#v) (-Marshal +AppendValue):\n%s", v, diff)
	}
}

func TestAppendValue(t *testing.T) {
	for _, v := range []any{
		nil, true, false, "", "plain", `quote " backslash \ slash /`,
		"<b>&amp;</b>", "\x00\x01\b\f\n\r\t\x1f\x7f", "é ü 日本 🎉", "\u2028\u2029",
		"bad \xff utf-8 \xe2\x82", "\xed\xa0\x80 surrogate",
		0.0, math.Copysign(0, -1), 1.0, -1.5, 3.14159, 1e20, 1e21, 123456789012345678901.0,
		1e-6, 1e-7, 1.5e-7, 5e-324, math.MaxFloat64, -1e300, 755.0,
		math.Inf(1), math.NaN(),
		[]any(nil), map[string]any(nil), []any{}, map[string]any{},
		[]any{1.0, "two", nil, []any{true}, map[string]any{"k": "v"}},
		map[string]any{
			"b": 1.0, "a": "x", "B": nil, "ä": true, "": "empty", "a<b": []any{"c"}, "z\u2028": 2.0,
			"nested": map[string]any{"y": []any{map[string]any{"q": "r", "p": 0.5}}, "x": map[string]any{}},
		},
		map[string]any{"ok": "yes", "bad": math.Inf(-1)},
	} {
		checkAppendValue(t, v)
	}
	// Other types are left to Marshal.
	for _, v := range []any{7, int64(7), map[string]string{"a": "b"}, []string{"x"}, []any{"ok", 3}} {
		if got, ok := AppendValue(nil, v); ok {
			t.Errorf("AppendValue(%#v) = %q, want it declined", v, got)
		}
	}
}

// FuzzAppendValue compares AppendValue with json.Marshal over strings of
// any bytes, numbers and the values the fuzzer's bytes decode to as JSON.
func FuzzAppendValue(f *testing.F) {
	f.Add("plain", 1.0, []byte(`{"a":[1,"x",null,true,{"b":2.5e-7}]}`))
	f.Add("<&>\u2028\xff\x00", 1e21, []byte(`"\u00e9"`))
	f.Add("", math.Copysign(0, -1), []byte(`[]`))
	f.Fuzz(func(t *testing.T, s string, x float64, data []byte) {
		checkAppendValue(t, s)
		checkAppendValue(t, x)
		checkAppendValue(t, map[string]any{s: []any{s, x}, "k": s})
		var v any
		if json.Unmarshal(data, &v) == nil {
			checkAppendValue(t, v)
		}
	})
}
