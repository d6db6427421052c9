package techdocs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/callboard/callboard/internal/blob"
)

// TreeReader reads every file of a tree at a URL (a folder in a forge),
// answering notModified when the tree's etag (its commit) is etag.
type TreeReader interface {
	ReadTree(ctx context.Context, url, etag string) (files []TreeFile, newEtag string, notModified bool, err error)
}

// TreeFile is one file of a tree; Path is relative to the tree's root.
type TreeFile struct {
	Path string
	Body []byte
}

// skippedDirs are folders of a local source that never hold docs input
// and may be large.
var skippedDirs = map[string]bool{".git": true, "node_modules": true, ".venv": true, "__pycache__": true}

// prepare makes the source of loc available as a folder and returns its
// etag; notModified means the etag is prevEtag and nothing was read. The
// etag of a local folder may be one computed in the last few seconds
// unless fresh.
func (b *Builder) prepare(ctx context.Context, loc Location, prevEtag, tmp string, fresh bool) (dir, etag string, notModified bool, err error) {
	switch loc.Type {
	case LocationDir:
		etag, err := b.trees.get(loc.Target, fresh)
		if err != nil {
			return "", "", false, err
		}
		return loc.Target, etag, etag == prevEtag, nil
	case LocationURL:
		if b.urls == nil {
			return "", "", false, fmt.Errorf("cannot read %s: no URL reader is configured", loc.Target)
		}
		files, etag, notModified, err := b.urls.ReadTree(ctx, loc.Target, prevEtag)
		if err != nil {
			return "", "", false, fmt.Errorf("read %s: %w", loc.Target, err)
		}
		if notModified {
			return "", prevEtag, true, nil
		}
		dir := filepath.Join(tmp, "source")
		for _, f := range files {
			if err := blob.ValidKey(f.Path); err != nil {
				return "", "", false, fmt.Errorf("read %s: file %q: %w", loc.Target, f.Path, err)
			}
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return "", "", false, err
			}
			if err := os.WriteFile(p, f.Body, 0o644); err != nil {
				return "", "", false, err
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", false, err
		}
		return dir, etag, false, nil
	}
	return "", "", false, fmt.Errorf("unknown docs location type %q", loc.Type)
}

// hashTree is the etag of a local source: a hash of every file's path,
// size and modification time (no file is read), skipping version control
// and dependency folders. Any edit changes it.
func hashTree(root string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skippedDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		h.Write([]byte(path.Clean(filepath.ToSlash(rel))))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatInt(info.Size(), 10) + ":" + strconv.FormatInt(info.ModTime().UnixNano(), 10)))
		h.Write([]byte{0})
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read docs source %s: %w", root, err)
	}
	return "dir-" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}
