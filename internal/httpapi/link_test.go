package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestNextLink(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		target  string
		after   string
		want    string
	}{
		{
			name:   "offset removed, after appended",
			target: "/api/catalog/entities?limit=2&offset=4",
			after:  "eyJsaW1pdCI6Miwib2Zmc2V0Ijo2fQ==",
			want:   `</entities?limit=2&after=eyJsaW1pdCI6Miwib2Zmc2V0Ijo2fQ%3D%3D>; rel="next"`,
		},
		{
			name:   "after replaced in place, order kept",
			target: "/api/catalog/entities?filter=kind%3Dcomponent&after=old&fields=metadata.name&after=older&limit=1",
			after:  "new",
			want:   `</entities?filter=kind%3Dcomponent&after=new&fields=metadata.name&limit=1>; rel="next"`,
		},
		{
			name:   "form encoding like URLSearchParams",
			target: "/api/catalog/entities?limit=1&filter=metadata.annotations.backstage.io/orphan=true,spec.type=a%20b&order=asc:metadata.name&x=~*'",
			after:  "a+b/c=",
			want:   `</entities?limit=1&filter=metadata.annotations.backstage.io%2Forphan%3Dtrue%2Cspec.type%3Da+b&order=asc%3Ametadata.name&x=%7E*%27&after=a%2Bb%2Fc%3D>; rel="next"`,
		},
		{
			name:    "absolute with base URL",
			baseURL: "https://portal.example.com",
			target:  "/api/catalog/entities?limit=1",
			after:   "c",
			want:    `<https://portal.example.com/api/catalog/entities?limit=1&after=c>; rel="next"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{baseURL: tt.baseURL}
			got := s.nextLink(httptest.NewRequest("GET", tt.target, nil), tt.after)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// FuzzQueryPairs checks that encoding parsed pairs and parsing them again
// gives the same pairs, whatever the raw query.
func FuzzQueryPairs(f *testing.F) {
	for _, s := range []string{"a=b&c=d", "filter=kind%3Dx,y&&after=", "x=%zz&%41=1", "a+b=c+d", "=&=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pairs := parseQueryPairs(raw)
		again := parseQueryPairs(encodeQueryPairs(pairs))
		if len(again) != len(pairs) {
			t.Fatalf("%q: %d pairs became %d", raw, len(pairs), len(again))
		}
		for i := range pairs {
			if pairs[i] != again[i] {
				t.Fatalf("%q: pair %d %q became %q", raw, i, pairs[i], again[i])
			}
		}
	})
}
