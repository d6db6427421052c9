package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/plugin"
)

func cmdCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runOnly(ctx, "catalog", "validate", "Usage: callboard catalog validate PATH...\n", cmdValidate, args, stdout, stderr)
}

const validateUsage = `Usage: callboard catalog validate [-q] PATH...

Checks catalog files (catalog-info.yaml and friends) with the rules the
server applies: YAML syntax, the entity envelope, Backstage's entity
policies and field formats, the built-in kinds, placeholders, and Location
targets. PATH may be a file, a directory (every .yaml and .yml file below
it) or a glob. Prints one line per problem as file:line:col: message and
exits 1 when there is any.

Flags:
`

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("catalog validate", validateUsage, stderr)
	quiet := fs.Bool("q", false, "print only problems, not the summary line")
	if err := fs.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	files, err := expandPaths(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "callboard catalog validate:", err)
		return 2
	}
	v := newValidator()
	for _, f := range files {
		v.file(ctx, f)
	}
	for _, p := range v.problems {
		fmt.Fprintln(stdout, p)
	}
	if !*quiet {
		fmt.Fprintf(stdout, "%d files, %d entities, %d problems\n", len(files), v.entities, len(v.problems))
	}
	if len(v.problems) > 0 {
		return 1
	}
	return 0
}

// expandPaths turns files, directories and globs into a sorted list of
// files.
func expandPaths(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, a := range args {
		matches := []string{a}
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no files match", a)
			}
			matches = m
		}
		for _, p := range matches {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			if !st.IsDir() {
				add(p)
				continue
			}
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
					add(path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// validator checks files with the server's orchestrator and collects the
// problems found.
type validator struct {
	orc      *catalog.Orchestrator
	problems []string
	entities int
	// defined maps each entity ref to where it was first seen; files are
	// read in sorted order, so the first definition wins.
	defined map[string]string
}

func newValidator() *validator {
	procs := builtin.Processors(builtin.Options{})
	return &validator{
		orc:     catalog.NewOrchestrator(catalog.OrchestratorOptions{Processors: procs, Rules: allowAll()}),
		defined: map[string]string{},
	}
}

// allowAll lets every kind through: catalog.rules depend on where a file
// is registered, which a local check cannot know.
func allowAll() *catalog.Rules {
	r, err := catalog.NewRules([]catalog.Rule{{Allow: []catalog.RuleKind{{Kind: "*"}}}}, nil)
	if err != nil {
		panic(err) // a constant rule set
	}
	return r
}

var linePos = regexp.MustCompile(`at line (\d+), column (\d+)`)

func (v *validator) file(ctx context.Context, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		v.problems = append(v.problems, fmt.Sprintf("%s:1:1: %v", path, err))
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	loc := plugin.Location{Type: "file", Target: abs}
	docs, errs := catalog.ParseEntityYAML(data, loc)
	for _, err := range errs {
		line, col := 1, 1
		var de *catalog.DocumentError
		if errors.As(err, &de) {
			line, col = de.Line, de.Column
		} else if m := linePos.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			col, _ = strconv.Atoi(m[2])
		}
		v.problems = append(v.problems, fmt.Sprintf("%s:%d:%d: %v", path, line, col, err))
	}
	for _, d := range docs {
		v.entities++
		at := fmt.Sprintf("%s:%d:%d", path, d.Line, d.Column)
		data := withLocation(d.Data, loc)
		res := v.orc.Process(ctx, catalog.ProcessRequest{Entity: data})
		for _, e := range res.Errors {
			v.problems = append(v.problems, at+": "+describe(&e))
		}
		if res.OK {
			ref := res.Entity.Ref().String()
			if first, ok := v.defined[ref]; ok {
				v.problems = append(v.problems, fmt.Sprintf("%s: %s is already defined at %s", at, ref, first))
			} else {
				v.defined[ref] = at
			}
		}
	}
}

// withLocation returns a copy of data carrying the location annotations the
// engine would add, so the orchestrator accepts it and resolves relative
// paths against the file.
func withLocation(data map[string]any, loc plugin.Location) map[string]any {
	out := make(map[string]any, len(data))
	for k, val := range data {
		out[k] = val
	}
	md, ok := data["metadata"].(map[string]any)
	if !ok {
		return out
	}
	m := make(map[string]any, len(md)+1)
	for k, val := range md {
		m[k] = val
	}
	ann := map[string]any{}
	if a, ok := md["annotations"].(map[string]any); ok {
		for k, val := range a {
			ann[k] = val
		}
	} else if md["annotations"] != nil {
		return out // malformed annotations: let policies report them
	}
	ann[entity.AnnotationManagedByLocation] = loc.String()
	ann[entity.AnnotationManagedByOriginLocation] = loc.String()
	m["annotations"] = ann
	out["metadata"] = m
	return out
}

// describe renders a serialized error as the status items of the server
// do; the message already carries its causes ("...; caused by ...").
func describe(e *entity.SerializedError) string {
	return e.Name + ": " + e.Message
}
