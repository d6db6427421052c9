package bench

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTargetsFor(t *testing.T) {
	tests := []struct {
		n        int
		postgres bool
		want     targets
	}{
		{10_000, false, targets{Cold: 2 * time.Second, SecondPass: time.Second, P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RSS: 150e6, RPS: 1500}},
		{100_000, false, targets{Cold: 15 * time.Second, SecondPass: 10 * time.Second, P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RSS: 400e6, RPS: 1500}},
		{1_000, false, targets{Cold: 2 * time.Second, SecondPass: time.Second, P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RSS: 150e6, RPS: 1500}},
		{55_000, false, targets{Cold: 8500 * time.Millisecond, SecondPass: 5500 * time.Millisecond, P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RSS: 275e6, RPS: 1500}},
		{200_000, false, targets{Cold: 30 * time.Second, SecondPass: 20 * time.Second, P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RPS: 1500}},
		{10_000, true, targets{Cold: 4 * time.Second, SecondPass: 2 * time.Second, P99: 20 * time.Millisecond, Ready: time.Second, RSS: 150e6, RPS: 750}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, targetsFor(tt.n, tt.postgres)); diff != "" {
			t.Errorf("targetsFor(%d, %v) (-want +got):\n%s", tt.n, tt.postgres, diff)
		}
	}
}
