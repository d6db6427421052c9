package app

import (
	"io/fs"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/config"
)

// containerShare is the part of a container's memory limit the Go heap is
// held to by default; the rest is for what the limit also counts but the
// Go runtime does not manage: SQLite's page caches, the mapped binary and
// the file cache.
const containerShare = 0.75

// cgroupLimitFiles are where Linux publishes the memory limit of the
// process's cgroup: version 2, then version 1.
var cgroupLimitFiles = []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"}

// SetMemoryLimit sets the Go runtime's soft memory limit from
// backend.memoryLimit or, when that is 0, to containerShare of the
// container's memory limit, if there is one; with neither the runtime keeps
// its default (no limit). A GOMEMLIMIT environment variable wins over both,
// as the runtime has already applied it. It logs the limit it sets.
func SetMemoryLimit(cfg *config.Config, log *slog.Logger) {
	limit, source := memoryLimit(cfg, os.Getenv("GOMEMLIMIT") != "", os.DirFS("/"))
	if limit <= 0 {
		return
	}
	debug.SetMemoryLimit(limit)
	log.Info("memory limit set", "bytes", limit, "from", source)
}

// memoryLimit picks the limit SetMemoryLimit sets and says where it came
// from; root is the file system the cgroup files are read from.
func memoryLimit(cfg *config.Config, fromEnv bool, root fs.FS) (int64, string) {
	switch {
	case fromEnv:
		return 0, ""
	case cfg.Backend.MemoryLimit > 0:
		return int64(cfg.Backend.MemoryLimit), "backend.memoryLimit"
	}
	for _, name := range cgroupLimitFiles {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max" (version 2) or a number near MaxInt64 (version 1) is no
		// limit.
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0, ""
		}
		return int64(float64(n) * containerShare), "/" + name
	}
	return 0, ""
}
