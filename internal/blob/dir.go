package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Dir is a bucket in a local directory: the object "a/b.html" is the file
// <root>/a/b.html. Every access goes through an os.Root, so neither a key
// nor a symbolic link inside the directory can reach a file outside it.
// Writes go to a temporary file renamed into place, so a reader sees the
// old object or the new one, never half of one.
type Dir struct {
	root *os.Root
	path string
}

// uploadPrefix names the temporary files of writes in progress; List
// leaves them out.
const uploadPrefix = ".callboard-upload-"

// NewDir opens (creating it if needed) the directory at p as a bucket.
func NewDir(p string) (*Dir, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("blob: directory %s: %w", p, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("blob: create directory %s: %w", abs, err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("blob: open directory %s: %w", abs, err)
	}
	return &Dir{root: r, path: abs}, nil
}

// Path is the bucket's directory.
func (d *Dir) Path() string { return d.path }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Get opens the file of key.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	f, err := d.root.Open(filepath.FromSlash(key))
	if err != nil {
		if missing(err) {
			return nil, Info{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
		}
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, Info{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return f, fileInfo(key, st), nil
}

// Put writes r to a temporary file beside key and renames it into place.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, _ int64) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := path.Dir(key)
	tmp := path.Join(dir, uploadPrefix+randomSuffix())
	f, err := d.create(dir, tmp)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	_, err = io.Copy(f, contextReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(filepath.FromSlash(tmp), filepath.FromSlash(key))
	}
	if err != nil {
		_ = d.root.Remove(filepath.FromSlash(tmp))
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// create makes dir and the new file name in it. A concurrent Delete may
// remove dir between the two steps, as it prunes empty directories, so a
// vanished directory is made again.
func (d *Dir) create(dir, name string) (*os.File, error) {
	var err error
	for range 3 {
		if dir != "." {
			if err = d.root.MkdirAll(filepath.FromSlash(dir), 0o755); err != nil {
				return nil, err
			}
		}
		var f *os.File
		f, err = d.root.OpenFile(filepath.FromSlash(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

// List walks the directory that holds prefix and keeps the files whose
// keys start with it.
func (d *Dir) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := ValidPrefix(prefix); err != nil {
		return nil, err
	}
	base := "."
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		base = prefix[:i]
	}
	var out []Info
	err := fs.WalkDir(d.root.FS(), base, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if p == base && missing(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if de.IsDir() {
			if p != base && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), uploadPrefix) || !strings.HasPrefix(p, prefix) {
			return nil
		}
		st, err := de.Info()
		if err != nil {
			if missing(err) {
				return nil // deleted while listing
			}
			return err
		}
		out = append(out, fileInfo(p, st))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete removes the file of key and then the directories it leaves
// empty, so stale sites do not leave a tree of empty folders behind.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.root.Remove(filepath.FromSlash(key)); err != nil && !missing(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if d.root.Remove(filepath.FromSlash(dir)) != nil {
			break // not empty, or already gone
		}
	}
	return nil
}

// missing reports whether err means the path does not exist, including
// a parent that is a file.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func fileInfo(key string, st fs.FileInfo) Info {
	return Info{
		Key:     key,
		Size:    st.Size(),
		ModTime: st.ModTime(),
		ETag:    fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()),
	}
}

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// contextReader stops a copy when its context ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
