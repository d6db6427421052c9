package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// resolveInside returns the directory rel names inside workspace (the
// workspace itself when rel is empty). Symbolic links are resolved first,
// so a link cannot lead out of the workspace.
func resolveInside(workspace, rel, field string) (string, error) {
	root, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		return "", problem.Input("workspace: %v", err)
	}
	if rel == "" {
		return root, nil
	}
	if filepath.IsAbs(rel) {
		return "", problem.Input("%s %q: Relative path is not allowed to refer to a directory outside its parent", field, rel)
	}
	p := filepath.Join(root, rel)
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", problem.Input("%s %q: %v", field, rel, err)
	}
	if !within(root, p) {
		return "", problem.Input("%s %q: Relative path is not allowed to refer to a directory outside its parent", field, rel)
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", problem.Input("%s %q: no such directory in the workspace", field, rel)
	}
	if !st.IsDir() {
		return "", problem.Input("%s %q: not a directory", field, rel)
	}
	return p, nil
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
