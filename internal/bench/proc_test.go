package bench

import (
	"os"
	"runtime"
	"testing"
)

func TestStatusKB(t *testing.T) {
	status := "Name:\tcallboard\nVmPeak:\t  812344 kB\nVmHWM:\t   91234 kB\nVmRSS:\t   80000 kB\n"
	tests := []struct {
		key     string
		want    int64
		wantErr bool
	}{
		{"VmHWM", 91234, false},
		{"VmRSS", 80000, false},
		{"VmSwap", 0, true},
		{"Name", 0, true},
	}
	for _, tt := range tests {
		got, err := statusKB([]byte(status), tt.key)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("statusKB(%s) = %d, %v; want %d, error %v", tt.key, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStatTicks(t *testing.T) {
	tests := []struct {
		stat    string
		want    int64
		wantErr bool
	}{
		{"4242 (callboard) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0 9 0 100 0 0", 175, false},
		{"4242 (a (weird) name) R 1 4242 4242 0 -1 4194560 2000 0 0 0 7 3 0 0 20 0 9 0", 10, false},
		{"4242 (short) S 1 2 3", 0, true},
		{"no parenthesis", 0, true},
		{"1 (x) S 1 1 1 0 -1 0 0 0 0 0 u 3 0", 0, true},
	}
	for _, tt := range tests {
		got, err := statTicks([]byte(tt.stat))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("statTicks(%q) = %d, %v; want %d, error %v", tt.stat, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzStatTicks(f *testing.F) {
	f.Add([]byte("4242 (callboard) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 25 0 0 20 0"))
	f.Add([]byte("1 ((() R"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		if n, err := statTicks(stat); err == nil && n < 0 && !bytesHaveMinus(stat) {
			t.Errorf("negative ticks %d from %q", n, stat)
		}
	})
}

func bytesHaveMinus(b []byte) bool {
	for _, c := range b {
		if c == '-' {
			return true
		}
	}
	return false
}

func TestProcOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	rss, err := peakRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Errorf("peakRSS = %d, %v", rss, err)
	}
	if _, err := cpuTicks(os.Getpid()); err != nil {
		t.Errorf("cpuTicks: %v", err)
	}
}
