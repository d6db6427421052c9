package techdocs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
	"github.com/callboard/callboard/internal/problem"
)

// Publisher keeps entities' sites in a bucket, one folder per entity:
// <namespace>/<kind>/<name>/, lower-cased unless LegacyCase.
type Publisher struct {
	bucket  blob.Bucket
	legacy  bool
	workers int
}

// PublisherOptions configure a Publisher.
type PublisherOptions struct {
	// LegacyCase keeps the triplet's spelling in object keys
	// (techdocs.legacyUseCaseSensitiveTripletPaths).
	LegacyCase bool
	// Workers bounds concurrent uploads and deletes; 8 when 0.
	Workers int
}

// NewPublisher publishes into b.
func NewPublisher(b blob.Bucket, o PublisherOptions) *Publisher {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	return &Publisher{bucket: b, legacy: o.LegacyCase, workers: o.Workers}
}

// LegacyCase reports whether keys keep the triplet's spelling.
func (p *Publisher) LegacyCase() bool { return p.legacy }

// Prefix is the folder of ref's site, with a trailing slash.
func (p *Publisher) Prefix(ref entity.Ref) string {
	ns := ref.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	t := ns + "/" + ref.Kind + "/" + ref.Name + "/"
	if !p.legacy {
		t = strings.ToLower(t)
	}
	return t
}

// PublishResult says what a publish changed; paths are relative to the
// site.
type PublishResult struct {
	Uploaded []string
	Deleted  []string
}

// Publish uploads every file under dir as ref's site, the metadata file
// last so a reader of it sees a complete site, then deletes the objects
// of the previous site that the new one no longer has.
func (p *Publisher) Publish(ctx context.Context, ref entity.Ref, dir string) (*PublishResult, error) {
	files, err := siteFiles(dir)
	if err != nil {
		return nil, err
	}
	prefix := p.Prefix(ref)
	for _, f := range files {
		if err := blob.ValidKey(prefix + f); err != nil {
			return nil, fmt.Errorf("publish %s: site file %s: %w", ref, f, err)
		}
	}
	var first, last []string
	for _, f := range files {
		if f == MetadataFile {
			last = append(last, f)
		} else {
			first = append(first, f)
		}
	}
	upload := func(f string) error {
		fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil {
			return err
		}
		return p.bucket.Put(ctx, prefix+f, fh, st.Size())
	}
	if err := p.each(first, upload); err != nil {
		return nil, fmt.Errorf("publish %s: %w", ref, err)
	}
	if err := p.each(last, upload); err != nil {
		return nil, fmt.Errorf("publish %s: %w", ref, err)
	}
	existing, err := p.bucket.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("publish %s: list the previous site: %w", ref, err)
	}
	keep := make(map[string]bool, len(files))
	for _, f := range files {
		keep[f] = true
	}
	var stale []string
	for _, o := range existing {
		if rel := strings.TrimPrefix(o.Key, prefix); !keep[rel] {
			stale = append(stale, rel)
		}
	}
	if err := p.each(stale, func(f string) error { return p.bucket.Delete(ctx, prefix+f) }); err != nil {
		return nil, fmt.Errorf("publish %s: delete stale files: %w", ref, err)
	}
	return &PublishResult{Uploaded: files, Deleted: stale}, nil
}

// each runs fn on every item with at most p.workers at once and returns
// the first error.
func (p *Publisher) each(items []string, fn func(string) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, p.workers)
	for _, it := range items {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(it); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("%s: %w", it, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// siteFiles lists the regular files under dir as slash paths, sorted.
// A site holds only files and folders: a link or device is refused rather
// than followed.
func siteFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("site file %s is not a regular file", filepath.ToSlash(rel))
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read site %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("site directory %s holds no files", dir)
	}
	slices.Sort(files)
	return files, nil
}

// Open reads one file of ref's site. file is relative to the site; ""
// and paths ending in "/" mean their index.html. A path that is not a
// clean relative path (.., //, backslashes) is not found.
func (p *Publisher) Open(ctx context.Context, ref entity.Ref, file string) (io.ReadCloser, blob.Info, error) {
	if file == "" || strings.HasSuffix(file, "/") {
		file += "index.html"
	}
	key := p.Prefix(ref) + file
	rc, info, err := p.bucket.Get(ctx, key)
	if err != nil {
		var ke *blob.KeyError
		if errors.Is(err, blob.ErrNotFound) || errors.As(err, &ke) {
			return nil, blob.Info{}, problem.NotFound("File %s not found", path.Clean("/"+file)).WithCause(err)
		}
		return nil, blob.Info{}, fmt.Errorf("read %s: %w", key, err)
	}
	return rc, info, nil
}

// ReadFile reads a whole (small) site file.
func (p *Publisher) ReadFile(ctx context.Context, ref entity.Ref, file string) ([]byte, blob.Info, error) {
	rc, info, err := p.Open(ctx, ref, file)
	if err != nil {
		return nil, info, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, info, fmt.Errorf("read %s%s: %w", p.Prefix(ref), file, err)
	}
	return b, info, nil
}

// Metadata reads ref's techdocs_metadata.json; a site that has none is a
// NotFound problem.
func (p *Publisher) Metadata(ctx context.Context, ref entity.Ref) (*Metadata, error) {
	b, _, err := p.ReadFile(ctx, ref, MetadataFile)
	if err != nil {
		return nil, err
	}
	return ParseMetadata(b)
}

// MetadataRaw reads ref's techdocs_metadata.json as published.
func (p *Publisher) MetadataRaw(ctx context.Context, ref entity.Ref) ([]byte, error) {
	b, _, err := p.ReadFile(ctx, ref, MetadataFile)
	return b, err
}
