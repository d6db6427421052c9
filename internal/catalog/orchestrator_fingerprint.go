package catalog

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/callboard/callboard/plugin"
)

// fingerprint identifies everything besides an entity's own input that
// processing it depends on: the build, the registered processors and their
// configuration, and catalog.rules. It is "" when some processor is not a
// plugin.DeterministicProcessor or the build cannot be identified; then no
// result is ever reused.
func fingerprint(procs []plugin.Processor, rules *Rules) string {
	build := buildID()
	if build == "" {
		return ""
	}
	h := sha256.New()
	hashFields(h, "build", build, "rules", rules.fingerprint(), "processors", strconv.Itoa(len(procs)))
	for _, p := range procs {
		d, ok := p.(plugin.DeterministicProcessor)
		if !ok {
			return ""
		}
		hashFields(h, fmt.Sprintf("%T", p), d.Name(), d.Fingerprint())
	}
	return hex.EncodeToString(h.Sum(nil))
}

var buildID = sync.OnceValue(readBuildID)

// readBuildID identifies the running build: the Go build ID of the
// executable, which the toolchain derives from the compiled code, or where
// that cannot be read (not an ELF file) the executable's path, size and
// modification time; and the module versions and VCS state the binary was
// built with. A rebuilt binary with the same code may get a new ID, which
// only costs one full processing pass.
func readBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	h := sha256.New()
	if id := elfBuildID(exe); id != nil {
		hashFields(h, "go-build-id", string(id))
	} else {
		st, err := os.Stat(exe)
		if err != nil {
			return ""
		}
		hashFields(h, "exe", exe, strconv.FormatInt(st.Size(), 10), strconv.FormatInt(st.ModTime().UnixNano(), 10))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		hashFields(h, "buildinfo", bi.String())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// elfBuildID returns the contents of the Go build ID note of an ELF
// executable, or nil.
func elfBuildID(path string) []byte {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return nil
	}
	b, err := s.Data()
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}
