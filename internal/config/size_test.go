package config

import (
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
	}{
		{"0", 0},
		{"536870912", 512 << 20},
		{"512MiB", 512 << 20},
		{"512mib", 512 << 20},
		{"1.5 GiB", 3 << 29},
		{"400MB", 400e6},
		{"400M", 400e6},
		{"64k", 64e3},
		{"64KiB", 64 << 10},
		{"2G", 2e9},
		{"1TiB", 1 << 40},
		{"100b", 100},
		{" 256MiB ", 256 << 20},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1GiB", "12 parsecs", "1e9", "9999999999TiB", "1..5G"} {
		if got, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", bad, got)
		}
	}
}

func TestMemoryLimit(t *testing.T) {
	cfg, warnings := loadString(t, "backend:\n  memoryLimit: 384MiB\n")
	if cfg.Backend.MemoryLimit != 384<<20 || len(warnings) != 0 {
		t.Errorf("memoryLimit: 384MiB = %d with warnings %v, want %d and none", cfg.Backend.MemoryLimit, warnings, 384<<20)
	}
	cfg, _ = loadString(t, "backend:\n  memoryLimit: 1000000\n")
	if cfg.Backend.MemoryLimit != 1e6 {
		t.Errorf("memoryLimit: 1000000 = %d", cfg.Backend.MemoryLimit)
	}
	cfg, _ = loadString(t, "backend: {}\n")
	if cfg.Backend.MemoryLimit != 0 {
		t.Errorf("default memoryLimit = %d, want 0", cfg.Backend.MemoryLimit)
	}
	for _, bad := range []string{"lots", "[1]", "-5"} {
		t.Run(bad, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeFile(t, "app-config.yaml", "backend:\n  memoryLimit: "+bad+"\n")
			_, _, err := LoadEnviron([]string{"app-config.yaml"}, nil)
			if err == nil || !strings.Contains(err.Error(), "backend.memoryLimit") || !strings.Contains(err.Error(), "app-config.yaml:2") {
				t.Errorf("memoryLimit: %s: error %v, want one naming the file, line and key", bad, err)
			}
		})
	}
}
