package publish

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// treeFile is one file of a directory as git stores it.
type treeFile struct {
	// Path is slash-separated and relative to the directory.
	Path string
	// Mode is git's file mode: 100644, 100755 or 120000 (a symbolic link,
	// whose Content is the link's target).
	Mode    string
	Content []byte
}

// readTree reads the files under root in lexical order, leaving out .git
// directories and what .gitignore files exclude, as a git commit of root
// would.
func readTree(root string) ([]treeFile, error) {
	patterns, err := gitignore.ReadPatterns(osfs.New(root), nil)
	if err != nil {
		return nil, fmt.Errorf("read .gitignore files: %w", err)
	}
	ignored := gitignore.NewMatcher(patterns)
	var files []treeFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" || ignored.Match(strings.Split(rel, "/"), true) {
				return filepath.SkipDir
			}
			return nil
		}
		if ignored.Match(strings.Split(rel, "/"), false) {
			return nil
		}
		f := treeFile{Path: rel, Mode: "100644"}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			f.Mode, f.Content = "120000", []byte(filepath.ToSlash(target))
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Mode()&0o100 != 0 {
				f.Mode = "100755"
			}
			if f.Content, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return nil
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", root, err)
	}
	return files, nil
}

// targetPath joins a targetPath input and a file path, refusing paths
// that leave the repository.
func joinTarget(target, p string) (string, error) {
	if target == "" {
		return p, nil
	}
	j := path.Join(target, p)
	if strings.HasPrefix(j, "/") || j == ".." || strings.HasPrefix(j, "../") {
		return "", fmt.Errorf("targetPath %q leaves the repository", target)
	}
	return j, nil
}
