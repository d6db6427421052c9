package search

import (
	"testing"

	"github.com/callboard/callboard/internal/problem"
)

func TestCursor(t *testing.T) {
	if got := EncodeCursor(1); got != "MQ==" {
		t.Errorf("EncodeCursor(1) = %q, want MQ== (Backstage's)", got)
	}
	for _, n := range []int{0, 1, 2, 99} {
		got, err := DecodeCursor(EncodeCursor(n))
		if err != nil || got != n {
			t.Errorf("round trip of %d = %d, %v", n, got, err)
		}
	}
	if n, err := DecodeCursor(""); n != 0 || err != nil {
		t.Errorf(`DecodeCursor("") = %d, %v`, n, err)
	}
	for _, bad := range []string{"!!", "eA==", "LTE=", EncodeCursor(maxPage + 1)} {
		if _, err := DecodeCursor(bad); !problem.Is(err, problem.InputError) {
			t.Errorf("DecodeCursor(%q) = %v, want an InputError", bad, err)
		}
	}
}
