package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// Snippets configures pymdownx.snippets.
type Snippets struct {
	// Root is the absolute source directory: no snippet may leave it,
	// through ".." or a symbolic link.
	Root string
	// Bases are the absolute directories snippet paths are relative to,
	// tried in order.
	Bases []string
	// CheckPaths makes a missing snippet an error instead of a warning.
	CheckPaths bool
}

const (
	maxSnippetDepth = 16
	maxSnippetBytes = 16 << 20
)

var (
	// snippetLineRE is `--8<-- "file"`, possibly escaped with ";".
	snippetLineRE = regexp.MustCompile(`^([ \t]*)(;*)(-+8<-+[ \t]+("(?:\\"|[^"\r\n])+?"|'(?:\\'|[^'\r\n])+?'))[ \t]*$`)
	// snippetBlockRE opens and closes a block of snippet file names.
	snippetBlockRE = regexp.MustCompile(`^([ \t]*)(;*)-+8<-+[ \t]*$`)
	// snippetSectionRE marks a named section inside a snippet file.
	snippetSectionRE = regexp.MustCompile(`(?i)^.*?-+8<-+[ \t]+\[[ \t]*(start|end)[ \t]*:[ \t]*([a-z][-_0-9a-z]*)[ \t]*\].*$`)
	// snippetRangeRE is "file:start:end" (either may be empty).
	snippetRangeRE = regexp.MustCompile(`^(.+?):([0-9]*)(?::([0-9]*))?$`)
	// snippetNamedRE is "file:section".
	snippetNamedRE = regexp.MustCompile(`(?i)^(.+?):([a-z][-_0-9a-z]*)$`)
)

// expander expands the snippets of one page.
type expander struct {
	s     *Snippets
	warns *[]string
	total int
}

func (s *Snippets) expand(name string, src []byte, warns *[]string) ([]byte, error) {
	if !bytes.Contains(src, []byte("8<-")) {
		return src, nil
	}
	e := &expander{s: s, warns: warns}
	out, err := e.text(name, src, nil)
	if err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// text expands the snippet lines of src, read from name; stack holds the
// files being expanded, to skip includes that loop.
func (e *expander) text(name string, src []byte, stack []string) (string, error) {
	var out strings.Builder
	lines := strings.SplitAfter(string(src), "\n")
	inBlock := false
	blockIndent := ""
	for i, line := range lines {
		content := strings.TrimRight(line, "\r\n")
		at := fmt.Sprintf("%s:%d", name, i+1)
		if inBlock {
			if m := snippetBlockRE.FindStringSubmatch(content); m != nil && m[2] == "" {
				inBlock = false
				continue
			}
			file := strings.TrimSpace(content)
			if file == "" || strings.HasPrefix(file, ";") {
				continue
			}
			if err := e.include(&out, at, file, blockIndent, stack); err != nil {
				return "", err
			}
			continue
		}
		if m := snippetLineRE.FindStringSubmatch(content); m != nil {
			if m[2] != "" {
				out.WriteString(m[1] + m[2][1:] + m[3] + line[len(content):])
				continue
			}
			spec := m[4][1 : len(m[4])-1]
			spec = strings.ReplaceAll(spec, `\`+m[4][:1], m[4][:1])
			if err := e.include(&out, at, spec, m[1], stack); err != nil {
				return "", err
			}
			continue
		}
		if m := snippetBlockRE.FindStringSubmatch(content); m != nil {
			if m[2] != "" {
				out.WriteString(m[1] + m[2][1:] + strings.TrimLeft(content, " \t;") + line[len(content):])
				continue
			}
			inBlock, blockIndent = true, m[1]
			continue
		}
		if snippetSectionRE.MatchString(content) {
			continue
		}
		out.WriteString(line)
	}
	return out.String(), nil
}

// include writes the snippet spec (a path with an optional ":start:end"
// or ":section") indented by indent.
func (e *expander) include(out *strings.Builder, at, spec, indent string, stack []string) error {
	file, lo, hi, section := parseSnippetSpec(spec)
	path, err := e.resolve(at, file)
	if err != nil {
		return err
	}
	if path == "" {
		msg := fmt.Sprintf("%s: snippet %q not found", at, file)
		if e.s.CheckPaths {
			return problem.Input("%s", msg)
		}
		*e.warns = append(*e.warns, msg)
		return nil
	}
	for _, p := range stack {
		if p == path {
			return nil // an include loop: pymdownx skips it too
		}
	}
	if len(stack) >= maxSnippetDepth {
		return problem.Input("%s: snippets nested more than %d deep", at, maxSnippetDepth)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: read snippet %q: %w", at, file, err)
	}
	e.total += len(data)
	if e.total > maxSnippetBytes {
		return problem.Input("%s: snippets add more than %d bytes to the page", at, maxSnippetBytes)
	}
	data = snippetPart(data, lo, hi, section)
	rel, _ := filepath.Rel(e.s.Root, path)
	body, err := e.text(filepath.ToSlash(rel), data, append(stack, path))
	if err != nil {
		return err
	}
	for _, l := range strings.SplitAfter(body, "\n") {
		if l == "" {
			continue
		}
		if strings.TrimSpace(l) != "" {
			out.WriteString(indent)
		}
		out.WriteString(l)
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		out.WriteByte('\n')
	}
	return nil
}

// resolve finds file in the base paths; "" when no base has it. A path
// that leaves the source directory is an error.
func (e *expander) resolve(at, file string) (string, error) {
	if filepath.IsAbs(file) || strings.HasPrefix(file, "/") || strings.Contains(file, "://") {
		return "", problem.Input("%s: snippet %q must be a path relative to a snippet base path", at, file)
	}
	root, err := filepath.EvalSymlinks(e.s.Root)
	if err != nil {
		return "", fmt.Errorf("%s: snippets: %w", at, err)
	}
	for _, base := range e.s.Bases {
		p := filepath.Join(base, filepath.FromSlash(file))
		if !inside(e.s.Root, p) {
			return "", problem.Input("%s: snippet %q leaves the source directory", at, file)
		}
		if !inside(base, p) {
			continue // restrict_base_path
		}
		real, err := filepath.EvalSymlinks(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("%s: snippet %q: %w", at, file, err)
		}
		if !inside(root, real) {
			return "", problem.Input("%s: snippet %q leaves the source directory", at, file)
		}
		if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
			continue
		}
		return real, nil
	}
	return "", nil
}

// inside reports whether p is dir or below it.
func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// parseSnippetSpec splits "file:3:8" and "file:section".
func parseSnippetSpec(spec string) (file string, lo, hi int, section string) {
	if m := snippetRangeRE.FindStringSubmatch(spec); m != nil && (m[2] != "" || m[3] != "") {
		lo, _ = strconv.Atoi(m[2])
		hi, _ = strconv.Atoi(m[3])
		return m[1], lo, hi, ""
	}
	if m := snippetNamedRE.FindStringSubmatch(spec); m != nil {
		return m[1], 0, 0, m[2]
	}
	return spec, 0, 0, ""
}

// snippetPart keeps lines lo..hi (1-based, inclusive, 0 = open) or the
// named section; section markers are always dropped.
func snippetPart(data []byte, lo, hi int, section string) []byte {
	if lo == 0 && hi == 0 && section == "" {
		return data
	}
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	in := false
	for i, l := range lines {
		n := i + 1
		if section != "" {
			if m := snippetSectionRE.FindStringSubmatch(strings.TrimRight(l, "\r\n")); m != nil {
				if strings.EqualFold(m[2], section) {
					in = strings.EqualFold(m[1], "start")
				}
				continue
			}
			if in {
				out.WriteString(l)
			}
			continue
		}
		if (lo == 0 || n >= lo) && (hi == 0 || n <= hi) {
			out.WriteString(l)
		}
	}
	return []byte(out.String())
}
