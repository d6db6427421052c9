package build

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// gitTimeout bounds the one git command a build runs.
const gitTimeout = 30 * time.Second

// gitTimes sets each page's last-updated time to the time of the last
// commit that changed it, when docs_dir is inside a git work tree and git
// is installed; otherwise pages have none. One "git log" over docs_dir
// covers every page.
func (b *builder) gitTimes(ctx context.Context) {
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	inside, err := exec.CommandContext(ctx, "git", "-C", b.docs, "rev-parse", "--is-inside-work-tree").Output()
	if err != nil || strings.TrimSpace(string(inside)) != "true" {
		return
	}
	out, err := exec.CommandContext(ctx, "git", "-C", b.docs, "-c", "core.quotepath=off", "log",
		"--no-renames", "--format=format:%x00%ct", "--name-only", "--relative", "--", ".").Output()
	if err != nil {
		b.log.Debug("git log failed; pages get no last-updated time", "err", err)
		return
	}
	times := parseGitLog(out)
	for _, p := range b.pages {
		if t, ok := times[p.src]; ok {
			p.updated = t
		}
	}
}

// parseGitLog reads "\x00<unix time>\n<file>\n<file>..." records, newest
// first, into each file's newest time.
func parseGitLog(out []byte) map[string]time.Time {
	times := map[string]time.Time{}
	for _, rec := range bytes.Split(out, []byte{0}) {
		lines := strings.Split(strings.TrimSpace(string(rec)), "\n")
		if len(lines) == 0 {
			continue
		}
		sec, err := strconv.ParseInt(strings.TrimSpace(lines[0]), 10, 64)
		if err != nil {
			continue
		}
		for _, f := range lines[1:] {
			f = strings.TrimSpace(f)
			if f == "" || strings.HasPrefix(f, `"`) {
				continue
			}
			if _, ok := times[f]; !ok {
				times[f] = time.Unix(sec, 0)
			}
		}
	}
	return times
}
