package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

const templateUsage = `Usage: callboard template dry-run TEMPLATE.yaml [--values FILE] [--secrets FILE] [--output-dir DIR] [--config FILE]...

Checks a software template (scaffolder.backstage.io/v1beta3) and runs it
without side effects: every step runs in a temporary workspace (or DIR,
which keeps the files), relative urls resolve against the template's
directory, and actions that cannot dry-run (publishing, registering in the
catalog) are skipped with a made-up output. Prints the steps, the log, the
output and the files produced.

Mistakes in the template or the values are printed as file:line: message,
one per line, with exit status 1; so is a step that fails.

Flags:
`

func cmdTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runOnly(ctx, "template", "dry-run", "Usage: callboard template dry-run TEMPLATE.yaml [flags]\n\nRun \"callboard template dry-run --help\" for the flags.\n",
		cmdTemplateDryRun, args, stdout, stderr)
}

func cmdTemplateDryRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("template dry-run", templateUsage, stderr)
	var files configFlags
	addConfigFlag(fs, &files)
	valuesFile := fs.String("values", "", "YAML or JSON file with the parameter values")
	secretsFile := fs.String("secrets", "", "YAML or JSON file with the secrets (string values)")
	outputDir := fs.String("output-dir", "", "write the workspace here and keep it (default: a temporary directory)")
	// Flags may come before or after the template path.
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return exitForFlagError(err)
	}
	if len(positional) != 1 {
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := loadConfig(files, log)
	if err != nil {
		fmt.Fprintf(stderr, "callboard: %v\n", err)
		return 1
	}
	engine, err := app.NewTemplateTool(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "callboard: %v\n", err)
		return 1
	}
	d := &dryRun{engine: engine, stdout: stdout, stderr: stderr}
	return d.run(ctx, positional[0], *valuesFile, *secretsFile, *outputDir)
}

// dryRun is one run of "callboard template dry-run".
type dryRun struct {
	engine         *scaffolder.Engine
	stdout, stderr io.Writer
}

// yamlLine finds the line in a YAML syntax error.
var yamlLine = regexp.MustCompile(`line (\d+): (.*)$`)

// yamlFile is a YAML file with its node tree, to name lines.
type yamlFile struct {
	path string
	root *yaml.Node
	data any
}

// readYAML reads one YAML (or JSON) document.
func readYAML(path string) (*yamlFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", path, m[1], m[2])
		}
		return nil, fmt.Errorf("%s:1: %v", path, err)
	}
	f := &yamlFile{path: path, root: &doc}
	if len(doc.Content) > 0 {
		f.root = doc.Content[0]
	}
	if err := doc.Decode(&f.data); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return f, nil
}

// line returns the line of the value at path (keys and [n] indices); the
// deepest node found when the path goes further than the file.
func (f *yamlFile) line(path ...string) int {
	n := f.root
	for _, seg := range path {
		next := child(n, seg)
		if next == nil {
			break
		}
		n = next
	}
	if n == nil {
		return 1
	}
	return n.Line
}

// child returns the value under a mapping key or sequence index.
func child(n *yaml.Node, seg string) *yaml.Node {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		var i int
		if _, err := fmt.Sscanf(seg, "%d", &i); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// fieldPath splits "input.files[0].from" into input, files, 0, from.
func fieldPath(field string) []string {
	var out []string
	for _, part := range strings.Split(field, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				out = append(out, part)
				break
			}
			if i > 0 {
				out = append(out, part[:i])
			}
			j := strings.IndexByte(part, ']')
			if j < i {
				out = append(out, part[i:])
				break
			}
			out = append(out, part[i+1:j])
			part = part[j+1:]
		}
	}
	return out
}

// templateLine locates a template mistake in the template file.
func templateLine(f *yamlFile, e *scaffolder.TemplateError) int {
	path := []string{"spec"}
	if e.Step != "" {
		path = append(path, "steps", fmt.Sprint(e.StepIndex))
	}
	path = append(path, fieldPath(e.Field)...)
	line := f.line(path...)
	if e.Line > 0 {
		// An expression error: count its line into the text, which for a
		// block scalar (| or >) starts on the line after the indicator.
		n := f.root
		for _, seg := range path {
			if n = child(n, seg); n == nil {
				break
			}
		}
		if n != nil && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			line += e.Line
		} else {
			line += e.Line - 1
		}
	}
	return line
}

func (d *dryRun) problem(file string, line int, msg string) {
	fmt.Fprintf(d.stdout, "%s:%d: %s\n", file, line, msg)
}

func (d *dryRun) run(ctx context.Context, templatePath, valuesPath, secretsPath, outputDir string) int {
	tf, err := readYAML(templatePath)
	if err != nil {
		fmt.Fprintln(d.stdout, err)
		return 1
	}
	raw, err := json.Marshal(tf.data)
	if err != nil {
		fmt.Fprintf(d.stdout, "%s:1: %v\n", templatePath, err)
		return 1
	}
	tpl, err := scaffolder.ParseTemplate(raw)
	if err != nil {
		var te *scaffolder.TemplateError
		switch {
		case errors.As(err, &te):
			d.problem(templatePath, templateLine(tf, te), te.Error())
		case strings.Contains(err.Error(), "apiVersion"):
			d.problem(templatePath, tf.line("apiVersion"), messageOf(err))
		default:
			d.problem(templatePath, 1, messageOf(err))
		}
		return 1
	}
	if errs := d.engine.Check(tpl); len(errs) > 0 {
		for _, e := range errs {
			d.problem(templatePath, templateLine(tf, e), e.Error())
		}
		return 1
	}
	values := map[string]any{}
	var vf *yamlFile
	if valuesPath != "" {
		if vf, err = readYAML(valuesPath); err != nil {
			fmt.Fprintln(d.stdout, err)
			return 1
		}
		m, ok := vf.data.(map[string]any)
		if !ok && vf.data != nil {
			d.problem(valuesPath, 1, "the values must be a mapping")
			return 1
		}
		if m != nil {
			values = m
		}
	}
	secrets := map[string]string{}
	if secretsPath != "" {
		sf, err := readYAML(secretsPath)
		if err != nil {
			fmt.Fprintln(d.stdout, err)
			return 1
		}
		m, _ := sf.data.(map[string]any)
		for k, v := range m {
			secrets[k] = fmt.Sprint(v)
		}
	}
	abs, err := filepath.Abs(filepath.Dir(templatePath))
	if err != nil {
		fmt.Fprintf(d.stderr, "callboard: %v\n", err)
		return 1
	}
	if outputDir != "" {
		if err := os.MkdirAll(outputDir, 0o755); err != nil {
			fmt.Fprintf(d.stderr, "callboard: %v\n", err)
			return 1
		}
	}
	res, err := d.engine.DryRun(ctx, scaffolder.DryRunRequest{
		Template: raw, Values: values, Secrets: secrets, TemplateDir: abs, Workspace: outputDir,
	})
	var ve *scaffolder.ValuesError
	if errors.As(err, &ve) {
		file, data := valuesPath, vf
		if ve.Page < 0 {
			file, data = secretsPath, nil
		}
		if file == "" {
			file = "values"
		}
		for _, v := range ve.Errors {
			line := 1
			if data != nil {
				var path []string
				for _, p := range v.Path {
					path = append(path, fmt.Sprint(p))
				}
				line = data.line(path...)
			}
			d.problem(file, line, v.Stack)
		}
		return 1
	}
	if res == nil {
		d.problem(templatePath, 1, messageOf(err))
		return 1
	}
	d.report(tpl, res, outputDir)
	if err != nil {
		fmt.Fprintf(d.stdout, "%s: dry run failed: %s\n", templatePath, messageOf(err))
		return 1
	}
	return 0
}

// messageOf is an error's message without its class for input errors.
func messageOf(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Message
	}
	return err.Error()
}

// report prints what the dry run did.
func (d *dryRun) report(tpl *scaffolder.Template, res *scaffolder.DryRunResult, outputDir string) {
	w := d.stdout
	fmt.Fprintf(w, "Template %s (%s)\n\nSteps:\n", tpl.Ref, tpl.DisplayTitle())
	for i, s := range res.Steps {
		fmt.Fprintf(w, "  %d. %s: %s [%s]\n", i+1, s.ID, s.Name, s.Action)
	}
	fmt.Fprintln(w, "\nLog:")
	for _, l := range res.Log {
		prefix := ""
		if l.StepID != "" {
			prefix = "[" + l.StepID + "] "
		}
		for _, line := range strings.Split(strings.TrimRight(l.Message, "\n"), "\n") {
			fmt.Fprintf(w, "  %s%s\n", prefix, line)
		}
	}
	if res.Output != nil {
		fmt.Fprintln(w, "\nOutput:")
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("  ", "  ")
		_ = enc.Encode(res.Output)
		fmt.Fprintf(w, "  %s", b.String())
	}
	where := "not kept"
	if outputDir != "" {
		where = "in " + outputDir
	}
	fmt.Fprintf(w, "\nFiles (%s):\n", where)
	files := append([]scaffolder.File(nil), res.DirectoryContents...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		mode := ""
		if f.Executable {
			mode = " (executable)"
		}
		fmt.Fprintf(w, "  %s%s, %d bytes\n", f.Path, mode, len(f.Content))
	}
	fmt.Fprintf(w, "\nStatus: %s\n", res.Status)
}
