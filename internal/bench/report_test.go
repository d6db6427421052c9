package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReportOutputs(t *testing.T) {
	r := &Report{Title: "Catalog benchmark"}
	r.add(atMost("cold start", 1500*time.Millisecond, 2*time.Second))
	r.add(atMost("by-name p99", 12*time.Millisecond, 10*time.Millisecond))
	r.add(Figure{Name: "database size", Value: fmtBytes(3e6)})
	r.add(Figure{Name: "a|b", Value: "x", Status: Error, Note: "no | pipes"})
	r.note("PostgreSQL %s", "15")

	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	wantText := `Catalog benchmark

FIGURE         VALUE     TARGET      RESULT  NOTE
cold start     1.50 s    ≤ 2.00 s    pass
by-name p99    12.00 ms  ≤ 10.00 ms  FAIL
database size  3.0 MB    -           -
a|b            x         -           error   no | pipes

PostgreSQL 15
`
	if diff := cmp.Diff(wantText, text.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	var md strings.Builder
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	wantMD := `## Catalog benchmark

| Figure | Value | Target | Result | Note |
|---|---|---|---|---|
| cold start | 1.50 s | ≤ 2.00 s | pass |  |
| by-name p99 | 12.00 ms | ≤ 10.00 ms | FAIL |  |
| database size | 3.0 MB | - | - |  |
| a\|b | x | - | error | no \| pipes |

- PostgreSQL 15
`
	if diff := cmp.Diff(wantMD, md.String()); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}
	if !r.Failed() {
		t.Error("Failed() = false with a FAIL and an error figure")
	}
	ok := &Report{Figures: []Figure{atMost("x", time.Second, 2*time.Second), {Name: "info"}}}
	if ok.Failed() {
		t.Error("Failed() = true with only passing figures")
	}
}

func TestFmt(t *testing.T) {
	tests := []struct{ got, want string }{
		{fmtDuration(1234 * time.Microsecond), "1.23 ms"},
		{fmtDuration(2500 * time.Millisecond), "2.50 s"},
		{fmtBytes(512), "0.5 kB"},
		{fmtBytes(150e6), "150.0 MB"},
		{fmtBytes(3e9), "3.00 GB"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
