package builtin

import (
	"context"
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
type FileReaderProcessor struct {
	maxFileSize int64
}

var _ plugin.LocationReader = (*FileReaderProcessor)(nil)

// Name returns Backstage's name for the processor.
func (*FileReaderProcessor) Name() string { return "FileReaderProcessor" }

// ReadLocation reads a file location; other types are not handled. No
// match is a NotFoundError "file <target> does not exist" unless the
// location is optional.
func (p *FileReaderProcessor) ReadLocation(_ context.Context, loc plugin.Location, optional bool, emit plugin.Emitter, _ plugin.Cache) (bool, error) {
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
	files := p.parseFiles(matches)
	for i := range matches {
		f := files.take(i)
		if f.err != nil {
			emit.Error(fmt.Errorf("file %s could not be read, %w", f.loc.Target, f.err), loc)
			continue
		}
		emitAll(f.ents, f.errs, f.loc, emit)
		emit.RefreshKey(f.loc.String())
	}
	return true, nil
}

// parsedFile is a file read and parsed.
type parsedFile struct {
	loc  plugin.Location
	ents []plugin.RawEntity
	errs []error
	err  error // reading failed
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

// parseFiles reads and parses the files on up to GOMAXPROCS goroutines.
// A location of many files (a whole organisation behind one glob) is the
// only entity being processed at the start of a cold start, so parsing its
// files one after another would leave the other cores idle. At most two
// files per goroutine are parsed ahead of the one the caller takes, which
// bounds the memory held.
func (p *FileReaderProcessor) parseFiles(paths []string) *parsedFiles {
	q := &parsedFiles{files: make([]chan parsedFile, len(paths))}
	for i := range q.files {
		q.files[i] = make(chan parsedFile, 1)
	}
	parse := func(i int) {
		path := filepath.Clean(paths[i])
		f := parsedFile{loc: plugin.Location{Type: "file", Target: path}}
		var data []byte
		if data, f.err = readFile(path, p.maxFileSize); f.err == nil {
			f.ents, f.errs = catalog.ParseEntityYAMLLimits(data, f.loc, catalog.ParseLimits{MaxBytes: int(p.maxFileSize)})
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
