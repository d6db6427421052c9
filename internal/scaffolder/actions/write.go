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
// about bad input. They keep system calls few, since creating files is
// most of what fetch:template costs.

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
// creating parent directories and replacing what is there.
func writeFile(root *os.Root, rel string, data []byte, mode fs.FileMode) error {
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	_, err := createFile(root, rel, data, mode, true)
	return err
}

// createFile writes data to rel, whose directory exists, with exactly
// mode's permission bits. Without replace an existing rel is left alone
// and createFile reports false; with it, a file is overwritten and a
// symbolic link is replaced rather than written through.
func createFile(root *os.Root, rel string, data []byte, mode fs.FileMode, replace bool) (bool, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if replace {
		if info, err := root.Lstat(rel); err == nil {
			switch {
			case info.IsDir():
				return false, fmt.Errorf("%s is a directory", rel)
			case info.Mode()&fs.ModeSymlink != 0:
				if err := root.Remove(rel); err != nil {
					return false, err
				}
			default:
				flags = os.O_WRONLY | os.O_TRUNC
			}
		}
	}
	f, err := root.OpenFile(rel, flags, mode)
	if !replace && errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, werr := f.Write(data)
	// The mode given to OpenFile is reduced by the umask and ignored for
	// a file that existed; the skeleton's mode is what the output must
	// have.
	cerr := f.Chmod(mode)
	return true, errors.Join(werr, cerr, f.Close())
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
