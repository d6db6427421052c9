package httpapi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseQS(t *testing.T) {
	tests := []struct {
		in   string
		want qsObject
	}{
		{"", qsObject{}},
		{"term=foo+bar&pageLimit=10", qsObject{"term": "foo bar", "pageLimit": "10"}},
		{"types[0]=software-catalog&types[1]=techdocs", qsObject{"types": []any{"software-catalog", "techdocs"}}},
		{"types%5B0%5D=a&types%5B1%5D=b", qsObject{"types": []any{"a", "b"}}},
		{"types[]=a&types[]=b", qsObject{"types": []any{"a", "b"}}},
		{"types=a&types=b", qsObject{"types": []any{"a", "b"}}},
		{"types[1]=b&types[0]=a", qsObject{"types": []any{"a", "b"}}},
		{"types[3]=c&types[1]=b", qsObject{"types": []any{"b", "c"}}},
		{"filters[kind]=Component&filters[lifecycle][0]=production&filters[lifecycle][1]=experimental",
			qsObject{"filters": qsObject{"kind": "Component", "lifecycle": []any{"production", "experimental"}}}},
		{"a[21]=x", qsObject{"a": qsObject{"21": "x"}}},
		{"a[0]=x&a[b]=y", qsObject{"a": qsObject{"0": "x", "b": "y"}}},
		{"a=x&a[b]=y", qsObject{"a": qsObject{"0": "x", "b": "y"}}},
		{"a[b]=y&a=x", qsObject{"a": qsObject{"b": "y", "1": "x"}}},
		{"a[b][c][d][e][f][g]=x", qsObject{"a": qsObject{"b": qsObject{"c": qsObject{"d": qsObject{"e": qsObject{"f": qsObject{"[g]": "x"}}}}}}}},
		{"a[b=x", qsObject{"a[b": "x"}},
		{"[a]=x", qsObject{"a": "x"}},
		{"pageCursor=MQ%3D%3D", qsObject{"pageCursor": "MQ=="}},
		{"bad=%zz&=novalue&flag", qsObject{"bad": "%zz", "flag": ""}},
	}
	for _, tt := range tests {
		got := parseQS(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseQS(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	many := strings.Repeat("a[]=x&", qsParameterLimit+10)
	if got := parseQS(many)["a"].([]any); len(got) != qsParameterLimit {
		t.Errorf("%d parameters read, want %d", len(got), qsParameterLimit)
	}
}

// FuzzParseQS checks that any query string parses into strings, arrays
// and objects only, and that a search request read from it is either
// valid or an error, never a panic.
func FuzzParseQS(f *testing.F) {
	for _, s := range []string{"", "types[0]=a", "filters[kind]=x&filters[kind][]=y", "a[]=1&a[b]=2&a=3", "%5B%5D=x", "a[[]]=b", "&&==&[", "term=a&term[x]=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var check func(v any, depth int)
		check = func(v any, depth int) {
			if depth > qsDepth+2 {
				t.Fatalf("nested %d deep: %q", depth, s)
			}
			switch x := v.(type) {
			case string:
			case []any:
				for _, it := range x {
					check(it, depth+1)
				}
			case qsObject:
				for k, it := range x {
					if strings.HasPrefix(k, pushKey) {
						t.Fatalf("internal key %q left in %q", k, s)
					}
					check(it, depth+1)
				}
			default:
				t.Fatalf("value of type %T from %q", v, s)
			}
		}
		check(parseQS(s), 0)
		_, _ = searchRequest(parseQS(s))
	})
}
