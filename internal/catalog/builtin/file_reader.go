package builtin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	for _, path := range matches {
		path = filepath.Clean(path)
		fileLoc := plugin.Location{Type: "file", Target: path}
		data, err := readFile(path, p.maxFileSize)
		if err != nil {
			emit.Error(fmt.Errorf("file %s could not be read, %w", path, err), loc)
			continue
		}
		emitParsed(data, fileLoc, p.maxFileSize, emit)
		emit.RefreshKey(fileLoc.String())
	}
	return true, nil
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
