package actions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// The write helpers take paths relative to an os.Root (slash form) that
// were checked with childPath, so their errors are about the disk, not
// about bad input.

// exists reports whether rel exists in root, without following a final
// symbolic link.
func exists(root *os.Root, rel string) (bool, error) {
	_, err := root.Lstat(rel)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// writeFile writes data to rel with exactly mode's permission bits,
// creating parent directories and replacing a symbolic link rather than
// writing through it.
func writeFile(root *os.Root, rel string, data []byte, mode fs.FileMode) error {
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	if info, err := root.Lstat(rel); err == nil {
		switch {
		case info.IsDir():
			return fmt.Errorf("%s is a directory", rel)
		case info.Mode()&fs.ModeSymlink != 0:
			if err := root.Remove(rel); err != nil {
				return err
			}
		}
	}
	if err := root.WriteFile(rel, data, mode); err != nil {
		return err
	}
	// WriteFile's mode is reduced by the umask and ignored for a file that
	// existed; the skeleton's mode is what the output must have.
	return root.Chmod(rel, mode)
}

// writeLink makes rel a symbolic link to target, replacing a file or link
// that is there.
func writeLink(root *os.Root, rel, target string) error {
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	if info, err := root.Lstat(rel); err == nil {
		if info.IsDir() {
			return fmt.Errorf("%s is a directory", rel)
		}
		if err := root.Remove(rel); err != nil {
			return err
		}
	}
	return root.Symlink(target, rel)
}
