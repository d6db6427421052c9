package bench

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// exportRevision writes the files of git revision rev into dir (like git
// archive | tar -x), so the server can be built from a commit while the
// working tree is being edited.
func exportRevision(ctx context.Context, rev, dir string) error {
	top, err := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return fmt.Errorf("find the git checkout: %w", err)
	}
	// From a subdirectory git archive would export only that subtree.
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", rev)
	cmd.Dir = strings.TrimSpace(string(top))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git archive %s: %w", rev, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive %s: %w", rev, err)
	}
	xerr := extractTar(out, dir)
	if xerr != nil {
		// Drain so git is not blocked writing, then reap it.
		_, _ = io.Copy(io.Discard, out)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", rev, err, strings.TrimSpace(stderr.String()))
	}
	return xerr
}

// extractTar writes the regular files and directories of a tar stream
// under dir, refusing paths that would leave it.
func extractTar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		if !filepath.IsLocal(h.Name) {
			return fmt.Errorf("archive path %q leaves the directory", h.Name)
		}
		path := filepath.Join(dir, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("extract %s: %w", h.Name, err)
			}
		}
	}
}

// describeSource names what the server is built from: a revision, or the
// working tree's commit and whether it has uncommitted changes.
func describeSource(ctx context.Context, rev string) string {
	if rev != "" {
		out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", rev).Output()
		if err != nil {
			return "revision " + rev
		}
		return "revision " + strings.TrimSpace(string(out))
	}
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty=+uncommitted changes").Output()
	if err != nil {
		return "the working tree"
	}
	return "the working tree at " + strings.TrimSpace(string(out))
}
