package actions

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// escapeText is Backstage's message for a path that leaves its parent
// directory; ours adds which input or file it was.
const escapeText = "Relative path is not allowed to refer to a directory outside its parent"

// escapeError reports that what (an input such as `input "targetPath"` or
// a skeleton file) named p, which leaves its directory.
func escapeError(what, p string) error {
	return problem.Input("%s (%s is %q)", escapeText, what, p)
}

// childPath resolves p against root lexically, as Backstage's
// resolveSafeChildPath does, and returns it relative to root in slash
// form ("." for root itself), ready for an os.Root. An absolute p is
// allowed only when it lies inside root. Symbolic links are not looked
// at here: the os.Root every read and write goes through refuses links
// that lead outside.
func childPath(root, p, what string) (string, error) {
	if strings.ContainsRune(p, 0) {
		return "", problem.Input("%s contains a NUL character", what)
	}
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(root, p)
	}
	rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(abs))
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", escapeError(what, p)
	}
	return filepath.ToSlash(rel), nil
}

// targetDir resolves input "targetPath" naming a directory of the
// workspace, the workspace itself when empty. It returns the path for an
// os.Root and the target as the logs name it ("./" when empty).
func targetDir(workspace, targetPath string) (dest, target string, err error) {
	target = targetPath
	if target == "" {
		target = "./"
	}
	dest, err = childPath(workspace, target, `input "targetPath"`)
	return dest, target, err
}

// targetFile resolves input "targetPath" naming a file of the workspace,
// refusing one that names the workspace itself.
func targetFile(workspace, targetPath string) (string, error) {
	dest, err := childPath(workspace, targetPath, `input "targetPath"`)
	if err != nil {
		return "", err
	}
	if dest == "." {
		return "", problem.Input(`input "targetPath" must name a file in the workspace, not %q`, targetPath)
	}
	return dest, nil
}

// joinRel joins a relative slash path to another, keeping "." tidy.
func joinRel(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return path.Join(dir, name)
}

// within reports whether rel (slash form, relative to a shared root) is
// dir or lies under it.
func within(rel, dir string) bool {
	return dir == "." || rel == dir || strings.HasPrefix(rel, dir+"/")
}

// openWorkspace opens the task's workspace as an os.Root, creating it
// when it does not exist yet.
func openWorkspace(workspace string) (*os.Root, error) {
	if workspace == "" || !filepath.IsAbs(workspace) {
		return nil, problem.Input("the task workspace %q is not an absolute path", workspace)
	}
	if err := os.MkdirAll(workspace, 0o755); err != nil {
		return nil, err
	}
	return os.OpenRoot(workspace)
}
