package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Status says how a figure compares with its target.
type Status string

// Statuses of a figure.
const (
	Pass  Status = "pass"
	Fail  Status = "FAIL"
	Info  Status = ""      // no target
	Error Status = "error" // could not be measured
)

// Figure is one measured value and its target.
type Figure struct {
	Name   string
	Value  string
	Target string
	Status Status
	Note   string
}

// Report is the result of a benchmark run.
type Report struct {
	Title   string
	Figures []Figure
	Notes   []string
}

func (r *Report) add(f Figure) { r.Figures = append(r.Figures, f) }

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Failed reports whether a figure missed its target or could not be
// measured.
func (r *Report) Failed() bool {
	for _, f := range r.Figures {
		if f.Status == Fail || f.Status == Error {
			return true
		}
	}
	return false
}

// WriteText writes the report as a plain aligned table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Title + "\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tVALUE\tTARGET\tRESULT\tNOTE")
	for _, f := range r.Figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Value, dash(f.Target), dash(string(f.Status)), f.Note)
	}
	tw.Flush()
	table := b.String()
	b.Reset()
	for l := range strings.SplitSeq(strings.TrimSuffix(table, "\n"), "\n") {
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	for _, n := range r.Notes {
		b.WriteString("\n" + n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes the report as a Markdown section with a table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## " + r.Title + "\n\n")
	b.WriteString("| Figure | Value | Target | Result | Note |\n|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, f := range r.Figures {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(f.Name), cell(f.Value), cell(dash(f.Target)), cell(dash(string(f.Status))), cell(f.Note))
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			b.WriteString("- " + n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// atMost returns a figure for a duration with an upper bound (none when
// limit is 0).
func atMost(name string, d, limit time.Duration) Figure {
	f := Figure{Name: name, Value: fmtDuration(d)}
	if limit > 0 {
		f.Target = "≤ " + fmtDuration(limit)
		f.Status = passIf(d <= limit)
	}
	return f
}

func passIf(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

// fmtDuration prints durations the way the targets are written: ms below
// a second, seconds with two decimals above.
func fmtDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// fmtBytes prints sizes in decimal units, as the targets are
// written (150 MB = 150,000,000 bytes).
func fmtBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
}
