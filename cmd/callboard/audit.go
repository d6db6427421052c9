package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/store"
)

const auditUsage = `Usage: callboard audit export [--from DATE] [--to DATE] [--output FILE] [--config FILE]...

Writes the audit log's events in [from, to) as JSON Lines, oldest first,
one event per line, to standard output or FILE. DATE is an RFC 3339 time
(2026-11-20T09:00:00Z) or a day (2026-11-20, UTC); a day as --to includes
that day. Without --from or --to the range is open on that side.

Flags:
`

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runOnly(ctx, "audit", "export", "Usage: callboard audit export [flags]\n\nRun \"callboard audit export --help\" for the flags.\n",
		cmdAuditExport, args, stdout, stderr)
}

func cmdAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("audit export", auditUsage, stderr)
	var files configFlags
	addConfigFlag(fs, &files)
	from := fs.String("from", "", "earliest event time, inclusive (RFC 3339 or YYYY-MM-DD)")
	to := fs.String("to", "", "latest event time, exclusive (RFC 3339, or YYYY-MM-DD for the whole day)")
	output := fs.String("output", "", "write to this file instead of standard output")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "callboard audit export:", err)
		return 1
	}
	lo, err := audit.ParseTime(*from, false)
	if err != nil {
		return fail(fmt.Errorf("--from: %w", err))
	}
	hi, err := audit.ParseTime(*to, true)
	if err != nil {
		return fail(fmt.Errorf("--to: %w", err))
	}
	log, _ := newLogger(stderr, "text", "warn")
	cfg, err := loadConfig(files, log)
	if err != nil {
		return fail(err)
	}
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	// Read-only: no sinks, no migration (serve and migrate do that).
	l, err := audit.New(audit.Options{Store: store.NewAudit(db)})
	if err != nil {
		return fail(err)
	}
	if *output == "" {
		if err := l.Export(ctx, lo, hi, stdout); err != nil {
			return fail(exportError(err))
		}
		return 0
	}
	f, err := os.Create(*output)
	if err != nil {
		return fail(err)
	}
	if err := l.Export(ctx, lo, hi, f); err != nil {
		f.Close()
		return fail(exportError(err))
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return 0
}

// exportError adds a hint when the audit table is missing.
func exportError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "no such table") || strings.Contains(msg, "does not exist") {
		return fmt.Errorf("%w (run callboard migrate first)", err)
	}
	return err
}
