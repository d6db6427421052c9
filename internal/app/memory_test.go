package app

import (
	"testing"
	"testing/fstest"

	"github.com/callboard/callboard/internal/config"
)

func TestMemoryLimit(t *testing.T) {
	v2 := fstest.MapFS{"sys/fs/cgroup/memory.max": {Data: []byte("1073741824\n")}}
	v1 := fstest.MapFS{"sys/fs/cgroup/memory/memory.limit_in_bytes": {Data: []byte("2147483648\n")}}
	tests := []struct {
		name       string
		configured config.ByteSize
		fromEnv    bool
		root       fstest.MapFS
		want       int64
		wantSource string
	}{
		{name: "nothing", root: fstest.MapFS{}},
		{name: "configured", configured: 384 << 20, root: v2, want: 384 << 20, wantSource: "backend.memoryLimit"},
		{name: "GOMEMLIMIT wins", configured: 384 << 20, fromEnv: true, root: v2},
		{name: "cgroup v2", root: v2, want: 768 << 20, wantSource: "/sys/fs/cgroup/memory.max"},
		{name: "cgroup v1", root: v1, want: 1536 << 20, wantSource: "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
		{name: "cgroup v2 without a limit", root: fstest.MapFS{"sys/fs/cgroup/memory.max": {Data: []byte("max\n")}}},
		{name: "cgroup v1 without a limit", root: fstest.MapFS{"sys/fs/cgroup/memory/memory.limit_in_bytes": {Data: []byte("9223372036854771712\n")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{Backend: config.Backend{MemoryLimit: tt.configured}}
			got, source := memoryLimit(cfg, tt.fromEnv, tt.root)
			if got != tt.want || source != tt.wantSource {
				t.Errorf("memoryLimit = %d from %q, want %d from %q", got, source, tt.want, tt.wantSource)
			}
		})
	}
}
