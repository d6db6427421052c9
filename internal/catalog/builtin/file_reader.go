package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// FileReaderProcessor reads "file" locations: the target is a path or a
// glob ("*" within a directory, "**" across directories, "{a,b}", "[ab]"),
// every matching regular file is parsed in path order, and its entities are
// emitted with the location "file:<path>" and a refresh key of the same
// text.
//
// It keeps in its cache, per file that parsed without errors, the SHA-256
// of the file's bytes and the ref and hash of each child it emitted. A
// file whose bytes are unchanged is not parsed again: its children are
// replayed through catalog.Replayer (ADR 0009).
type FileReaderProcessor struct {
	maxFileSize int64
}

var (
	_ plugin.LocationReader         = (*FileReaderProcessor)(nil)
	_ plugin.DeterministicProcessor = (*FileReaderProcessor)(nil)
)

// Name returns Backstage's name for the processor.
func (*FileReaderProcessor) Name() string { return "FileReaderProcessor" }

// Fingerprint describes the read limit. The processor only reads
// locations, which always count as external input.
func (p *FileReaderProcessor) Fingerprint() string { return fmt.Sprintf("max=%d", p.maxFileSize) }

// fileCacheKey is the cache key of the replay records.
const fileCacheKey = "files"

// fileCache is what the processor keeps for one target: the scope the
// records were made in, and a record per file.
type fileCache struct {
	Scope string                `json:"scope"`
	Files map[string]fileRecord `json:"files"`
}

// fileRecord is a file that parsed without errors: the SHA-256 of its
// bytes and the children emitted from it, in order, as "<ref> <hash>|"
// for each (one string decodes much faster than thousands of small
// objects, and these separators need no escaping in JSON).
type fileRecord struct {
	SHA256   string `json:"sha256"`
	Children string `json:"children"`
}

// ReadLocation reads a file location; other types are not handled. No
// match is a NotFoundError "file <target> does not exist" unless the
// location is optional.
func (p *FileReaderProcessor) ReadLocation(_ context.Context, loc plugin.Location, optional bool, emit plugin.Emitter, cache plugin.Cache) (bool, error) {
	if loc.Type != "file" {
		return false, nil
	}
	matches, err := doublestar.FilepathGlob(loc.Target, doublestar.WithFilesOnly())
	if err != nil {
		emit.Error(fmt.Errorf("file %s could not be read, %w", loc.Target, err), loc)
		return true, nil
	}
	if len(matches) == 0 {
		if !optional {
			emit.Error(problem.NotFound("file %s does not exist", loc.Target), loc)
		}
		return true, nil
	}
	slices.Sort(matches)
	rp, scope, prev, prevRaw := p.replayState(emit, cache)
	next := fileCache{Scope: scope, Files: map[string]fileRecord{}}
	prep, _ := emit.(catalog.Preparer)
	files := p.parseFiles(matches, prev, prep)
	replayed := 0
	for i := range matches {
		f := files.take(i)
		switch {
		case f.err != nil:
			emit.Error(fmt.Errorf("file %s could not be read, %w", f.loc.Target, f.err), loc)
			continue
		case f.replay != nil:
			rp.Replay(f.loc, f.replay)
			next.Files[f.loc.Target] = prev[f.loc.Target]
			replayed++
		case rp != nil:
			mark := rp.Mark()
			f.emit(emit, prep)
			if children, ok := rp.Emitted(mark); ok && len(f.errs) == 0 {
				if rec, ok := recordChildren(children); ok {
					next.Files[f.loc.Target] = fileRecord{SHA256: f.sha, Children: rec}
				}
			}
		default:
			f.emit(emit, prep)
		}
		emit.RefreshKey(f.loc.String())
	}
	switch {
	case rp == nil || len(next.Files) == 0 && prev == nil:
	case replayed == len(next.Files) && replayed == len(prev):
		cache.Set(fileCacheKey, prevRaw) // every file replayed: the same records
	default:
		if raw, err := json.Marshal(next); err == nil {
			cache.Set(fileCacheKey, raw)
		}
	}
	return true, nil
}

// replayState returns the emitter as a Replayer, the scope to record and
// the records of the last read, decoded and as cached, when they were made
// in that scope. The Replayer is nil when nothing is to be replayed or
// recorded.
func (p *FileReaderProcessor) replayState(emit plugin.Emitter, cache plugin.Cache) (catalog.Replayer, string, map[string]fileRecord, json.RawMessage) {
	rp, scope := replayer(emit, cache, p.Fingerprint())
	if rp == nil {
		return nil, "", nil, nil
	}
	raw, ok := cache.Get(fileCacheKey)
	if !ok {
		return rp, scope, nil, nil
	}
	var c fileCache
	if json.Unmarshal(raw, &c) != nil || c.Scope != scope {
		return rp, scope, nil, nil
	}
	return rp, scope, c.Files, raw
}

// parsedFile is a file read and parsed, or found unchanged.
type parsedFile struct {
	loc      plugin.Location
	sha      string // of the bytes read
	ents     []plugin.RawEntity
	prepared []catalog.PreparedEntity // ents, prepared for a catalog.Preparer
	errs     []error
	err      error                   // reading failed
	replay   []catalog.ReplayedChild // the file is unchanged: replay these
}

// emit emits the file's entities, prepared when prep is the emitter, then
// its errors.
func (f *parsedFile) emit(emit plugin.Emitter, prep catalog.Preparer) {
	if prep == nil {
		emitAll(f.ents, f.errs, f.loc, emit)
		return
	}
	for _, p := range f.prepared {
		prep.EmitPrepared(p)
	}
	for _, err := range f.errs {
		emit.Error(err, f.loc)
	}
}

// parsedFiles yields the files parseFiles reads, in order.
type parsedFiles struct {
	files []chan parsedFile
	// ahead has a slot for each file started and not yet taken.
	ahead chan struct{}
}

// take waits for file i; the caller takes every file, in order.
func (q *parsedFiles) take(i int) parsedFile {
	f := <-q.files[i]
	if q.ahead != nil {
		<-q.ahead
	}
	return f
}

// parseFiles reads the files on up to GOMAXPROCS goroutines and parses
// those that do not have the bytes prev recorded for them; with a prep,
// the entities parsed are also prepared there (checked, annotated and
// encoded), so that the caller only emits them. A location of many files
// (a whole organisation behind one glob) is the only entity being
// processed at the start of a cold start, so parsing its files one after
// another, or emitting their entities on one goroutine, would leave the
// other cores idle. At most two files per goroutine are parsed ahead of
// the one the caller takes, which bounds the memory held.
func (p *FileReaderProcessor) parseFiles(paths []string, prev map[string]fileRecord, prep catalog.Preparer) *parsedFiles {
	q := &parsedFiles{files: make([]chan parsedFile, len(paths))}
	for i := range q.files {
		q.files[i] = make(chan parsedFile, 1)
	}
	parse := func(i int) {
		path := filepath.Clean(paths[i])
		f := parsedFile{loc: plugin.Location{Type: "file", Target: path}}
		var data []byte
		if data, f.err = readFile(path, p.maxFileSize); f.err == nil {
			sum := sha256.Sum256(data)
			f.sha = hex.EncodeToString(sum[:])
			if rec, ok := prev[path]; ok && rec.SHA256 == f.sha {
				f.replay, _ = replayChildren(rec.Children) // nil when unreadable: parse
			}
			if f.replay == nil {
				f.ents, f.errs = catalog.ParseEntityYAMLLimits(data, f.loc, catalog.ParseLimits{MaxBytes: int(p.maxFileSize)})
			}
			if prep != nil && len(f.ents) > 0 {
				f.prepared = make([]catalog.PreparedEntity, len(f.ents))
				for j, e := range f.ents {
					f.prepared[j] = prep.PrepareEntity(e)
				}
				f.ents = nil // the decoded documents are not needed any more
			}
		}
		q.files[i] <- f
	}
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	if workers <= 1 {
		for i := range paths {
			parse(i)
		}
		return q
	}
	q.ahead = make(chan struct{}, 2*workers)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range paths {
			q.ahead <- struct{}{}
			next <- i
		}
	}()
	for range workers {
		go func() {
			for i := range next {
				parse(i)
			}
		}()
	}
	return q
}

// readFile reads a file of at most max bytes.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes", path, max)
	}
	return data, nil
}

// emitParsed parses a catalog file and emits its entities and errors.
func emitParsed(data []byte, loc plugin.Location, max int64, emit plugin.Emitter) (ents []plugin.RawEntity, errs []error) {
	ents, errs = catalog.ParseEntityYAMLLimits(data, loc, catalog.ParseLimits{MaxBytes: int(max)})
	emitAll(ents, errs, loc, emit)
	return ents, errs
}

// emitAll emits a parsed file's entities, then its errors.
func emitAll(ents []plugin.RawEntity, errs []error, loc plugin.Location, emit plugin.Emitter) {
	for _, e := range ents {
		emit.Entity(e)
	}
	for _, err := range errs {
		emit.Error(err, loc)
	}
}
