package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callboard/callboard/internal/app"
)

const searchUsage = `Usage: callboard search <command> [flags]

Commands:
  reindex   rebuild the search index from the catalog and the published docs

Run "callboard search <command> --help" for a command's flags.
`

const searchReindexUsage = `Usage: callboard search reindex [--type TYPE]... [--config FILE]...

Rebuilds the search index now, from the catalog in the database and the
docs sites in the TechDocs publisher: every document type, or those named
with --type (software-catalog, techdocs, software-template). Each type's
new index replaces the old one at once; a running portal keeps answering
from the old index until then. Run it after restoring a database or
changing search settings; a running portal also rebuilds on its own
schedule (search.collators.<name>.schedule, every 10 minutes by default).

Flags:
`

// cmdSearch runs "callboard search <command>".
func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, done := groupHelp(args, stderr, searchUsage); done {
		return code
	}
	switch args[0] {
	case "reindex":
		return cmdSearchReindex(ctx, args[1:], stdout, stderr)
	default:
		return unknownCommand(stderr, "search", args[0], searchUsage)
	}
}

// typeFlags is the repeatable --type flag.
type typeFlags []string

func (t *typeFlags) String() string     { return fmt.Sprint([]string(*t)) }
func (t *typeFlags) Set(v string) error { *t = append(*t, v); return nil }

func cmdSearchReindex(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("search reindex", searchReindexUsage, stderr)
	var files configFlags
	addConfigFlag(fs, &files)
	var types typeFlags
	fs.Var(&types, "type", "document type to rebuild (repeatable); every type when none is given")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error")
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "callboard search reindex:", err)
		return 1
	}
	log, err := newLogger(stderr, "text", *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "callboard search reindex:", err)
		return 2
	}
	cfg, err := loadConfig(files, log)
	if err != nil {
		return fail(err)
	}
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Plugins: plugins(), Version: version})
	if err != nil {
		return fail(err)
	}
	defer a.Close()
	done, err := a.SearchReindex(ctx, types...)
	for _, r := range done {
		fmt.Fprintf(stdout, "%s: %d documents in %v\n", r.Type, r.Documents, r.Took.Round(time.Millisecond))
	}
	if err != nil {
		return fail(err)
	}
	return 0
}
