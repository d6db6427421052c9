package builtin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

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
	// A location may glob hundreds of files; they are read and parsed in
	// parallel and emitted in path order, so the result does not depend on
	// the schedule.
	parsed := make([]parsedFile, len(matches))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(matches)) {
		wg.Go(func() {
			for i := range next {
				parsed[i] = p.parseFile(matches[i])
			}
		})
	}
	for i := range matches {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, f := range parsed {
		if f.readErr != nil {
			emit.Error(f.readErr, loc)
			continue
		}
		for _, e := range f.ents {
			emit.Entity(e)
		}
		for _, err := range f.errs {
			emit.Error(err, f.loc)
		}
		emit.RefreshKey(f.loc.String())
	}
	return true, nil
}

// parsedFile is one file of a location, read and parsed.
type parsedFile struct {
	loc     plugin.Location
	ents    []plugin.RawEntity
	errs    []error
	readErr error
}

func (p *FileReaderProcessor) parseFile(path string) parsedFile {
	path = filepath.Clean(path)
	f := parsedFile{loc: plugin.Location{Type: "file", Target: path}}
	data, err := readFile(path, p.maxFileSize)
	if err != nil {
		f.readErr = fmt.Errorf("file %s could not be read, %w", path, err)
		return f
	}
	f.ents, f.errs = catalog.ParseEntityYAMLLimits(data, f.loc, catalog.ParseLimits{MaxBytes: int(p.maxFileSize)})
	return f
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
	for _, e := range ents {
		emit.Entity(e)
	}
	for _, err := range errs {
		emit.Error(err, loc)
	}
	return ents, errs
}
