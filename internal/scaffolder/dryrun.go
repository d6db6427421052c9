package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/callboard/callboard/internal/problem"
)

// File is a file of a dry run's template directory or workspace.
type File struct {
	// Path is relative, with forward slashes.
	Path       string
	Content    []byte
	Executable bool
}

// DryRunRequest asks for a dry run of a template.
type DryRunRequest struct {
	// Template is the Template entity as JSON.
	Template json.RawMessage
	Values   map[string]any
	Secrets  map[string]string
	// DirectoryContents are the files of the template's directory
	// (skeletons); relative urls resolve against them.
	DirectoryContents []File
	// TemplateDir, when set, is the template's directory on disk and
	// DirectoryContents are not used (the CLI).
	TemplateDir string
	// Workspace, when set, is where the steps write and the files stay
	// afterwards (the CLI's --output-dir); else a temporary directory.
	Workspace string
	UserRef   string
}

// DryRunResult is what a dry run did.
type DryRunResult struct {
	// Log is every event body, in order.
	Log []EventBody
	// DirectoryContents are the workspace's files after the run.
	DirectoryContents []File
	// Output is the rendered spec.output; nil when the run failed.
	Output map[string]any
	// Steps are the template's steps with their ids and names.
	Steps  []Step
	Status Status
	// Error is why the run failed.
	Error error
}

// DryRun runs a template without side effects: every step runs in a
// temporary workspace, and actions that do not support dry runs are
// skipped with an output made up from their output schema. Template
// mistakes and invalid values fail before anything runs; a step failure
// is returned as the error, with the result so far.
func (e *Engine) DryRun(ctx context.Context, req DryRunRequest) (*DryRunResult, error) {
	t, err := ParseTemplate(req.Template)
	if err != nil {
		return nil, err
	}
	if err := e.validate(t); err != nil {
		return nil, err
	}
	if err := t.ValidateValues(req.Values, req.Secrets); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	base, err := os.MkdirTemp(e.workdir, "callboard-dry-run-")
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	defer os.RemoveAll(base)

	templateDir := req.TemplateDir
	if templateDir == "" {
		templateDir = filepath.Join(base, "template")
		if err := writeFiles(templateDir, req.DirectoryContents); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(templateDir)
	if err != nil {
		return nil, err
	}
	t.BaseURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}).String()
	workspace := req.Workspace
	if workspace == "" {
		workspace = filepath.Join(base, "workspace")
	}
	if workspace, err = filepath.Abs(workspace); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(workspace, 0o755); err != nil {
		return nil, fmt.Errorf("dry run workspace: %w", err)
	}

	user := SpecUser{Ref: req.UserRef}
	if req.UserRef != "" && e.catalog != nil {
		if raw, err := e.catalog.Entity(ctx, req.UserRef); err == nil && raw != nil {
			_ = json.Unmarshal(raw, &user.Entity)
		}
	}
	spec := newTaskSpec(t, req.Values, user)
	checks, _ := newCheckpoints(nil, nil)
	var (
		mu  sync.Mutex
		log []EventBody
	)
	r := &taskRun{
		e:         e,
		id:        id,
		spec:      spec,
		secrets:   req.Secrets,
		redact:    newRedactor(req.Secrets, e.cfg.DefaultEnvironment.Secrets),
		dryRun:    true,
		attempt:   1,
		workspace: workspace,
		createdBy: req.UserRef,
		checks:    checks,
		emit: func(_ context.Context, _ EventType, b EventBody) {
			mu.Lock()
			log = append(log, b)
			mu.Unlock()
		},
	}
	res := r.execute(ctx)
	files, err := readFiles(workspace)
	if err != nil {
		return nil, err
	}
	out := &DryRunResult{Log: log, DirectoryContents: files, Output: res.output, Steps: t.Steps, Status: res.status}
	if res.err != nil {
		out.Error = redactError(r.redact, res.err)
		return out, out.Error
	}
	return out, nil
}

// writeFiles writes files below dir, refusing paths that leave it.
func writeFiles(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range files {
		p := filepath.FromSlash(strings.TrimPrefix(f.Path, "./"))
		if !filepath.IsLocal(p) {
			return problem.Input("directoryContents: path %q is outside the template directory", f.Path)
		}
		if d := filepath.Dir(p); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("directoryContents %s: %w", f.Path, err)
			}
		}
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := root.WriteFile(p, f.Content, mode); err != nil {
			return fmt.Errorf("directoryContents %s: %w", f.Path, err)
		}
	}
	return nil
}

// readFiles lists the regular files below dir, sorted by path.
func readFiles(dir string) ([]File, error) {
	files := []File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: filepath.ToSlash(rel), Content: b, Executable: info.Mode()&0o111 != 0})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dry run workspace: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
