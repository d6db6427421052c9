package jsonenc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkDecode expects Decode to give what json.Unmarshal gives, or to
// decline; it reports whether it decoded.
func checkDecode(t *testing.T, data []byte) bool {
	t.Helper()
	var want any
	err := json.Unmarshal(data, &want)
	got, ok := Decode(data)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("Decode(%q) = %#v, Unmarshal failed: %v", data, got, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Decode(%q) (-Unmarshal +Decode):\n%s", data, diff)
	}
	return true
}

func TestDecode(t *testing.T) {
	decoded := []string{
		`null`, `true`, `false`, `0`, `-0`, `1.5`, `-12.25e+3`, `1E-7`, `123456789012345678901234567890`,
		`""`, `"plain"`, `"é 日本 🎉"`, `"\u003cb\u003e \u0026 \"q\" \\ \/ \b\f\n\r\t"`, `"\ud83c\udf89"`, `"\u00e9\u2028"`,
		` { "a" : [ 1 , "x" , null , true , { } , [ ] ] , "b" : { "c" : -0.5 } } `,
		`{"dup":1,"dup":{"x":2}}`, `[[[[]]]]`, `{"":""}`,
	}
	for _, s := range decoded {
		if !checkDecode(t, []byte(s)) {
			t.Errorf("Decode(%s) declined", s)
		}
	}
	// Left to Unmarshal: invalid JSON, invalid UTF-8, lone surrogates,
	// numbers beyond float64, nesting beyond maxDepth.
	declined := []string{
		``, ` `, `nul`, `tru`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `"abc`, `"a\x01b"`, `"\x"`, `"\u12"`, `"\uzzzz"`,
		`{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:2}`, `{"a":1} x`, `"bad \xff"`, `"\ud800"`, `"\udc00\ud800"`,
		`"\ud800\u0041"`, `1e400`, strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2),
	}
	for _, s := range declined {
		if checkDecode(t, []byte(s)) {
			t.Errorf("Decode(%q) decoded, want it declined", s)
		}
	}
	// What the catalog's encoder writes, Decode reads.
	v := map[string]any{"description": "tickets & refunds <cancelled>", "n": 2.5e-7, "l": []any{"\u2028", nil}}
	b, ok := AppendValue(nil, v)
	if !ok || !checkDecode(t, b) {
		t.Errorf("Decode declined the encoding %s", b)
	}
}

// FuzzDecode compares Decode with json.Unmarshal over any bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a":[1,"x\u00e9\n",null,true,{"b":-2.5e-7}],"c":{}}`))
	f.Add([]byte(`"\ud83c\udf89 \ud800 \xff"`))
	f.Add([]byte(`[0,-0.0,1E+2,"\/"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(`{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"annotations":{"backstage.io/managed-by-location":"file:/srv/catalog/components-0001.yaml","github.com/project-slug":"acme/amber-account-106"},"description":"A service that handles account for the team \u0026 others.","links":[{"icon":"github","title":"Repository","url":"https://github.com/acme/amber-account-106"}],"name":"amber-account-106","tags":["java","grpc"]},"spec":{"consumesApis":["inventory-grpc-api-1082","billing-openapi-api-561"],"dependsOn":["component:warm-payment-1630"],"lifecycle":"experimental","owner":"team-keen-customer-400","system":"frost-checkout-149","type":"service","weight":2.5}}`)
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := Decode(data); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
