// Command callboard is the Callboard developer portal: one binary that serves
// the catalog and its REST API, and the CLI tools around it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/callboard/callboard/internal/web/graph"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Callboard, a developer portal in one binary.

Usage:
  callboard <command> [flags]

Commands:
  serve              run the portal (catalog, REST API)
  migrate            apply database migrations and exit
  catalog validate   check catalog files; one line per problem as file:line:col: message
  audit export       write the audit log's events as JSON Lines
  techdocs build     build a TechDocs site (mkdocs.yml + Markdown) into static HTML
  search reindex     rebuild the search index from the catalog and the published docs
  template dry-run   check a software template and run it without side effects
  task run           start a task from a template on a running portal
  task replay        run an ended task again, from its failed steps or a chosen step
  version            print the version

Run "callboard <command> --help" for a command's flags.
`

// run executes one command line and returns the exit code. It is main
// without the process around it, so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "catalog":
		return cmdCatalog(ctx, args[1:], stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr)
	case "techdocs":
		return cmdTechdocs(ctx, args[1:], stdout, stderr)
	case "search":
		return cmdSearch(ctx, args[1:], stdout, stderr)
	case "template":
		return cmdTemplate(ctx, args[1:], stdout, stderr)
	case "task":
		return cmdTask(ctx, args[1:], stdout, stderr)
	case "graphviz-worker":
		// Not in the usage: serve starts it to lay out graphs.
		return cmdGraphvizWorker(stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "callboard %s\n", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "callboard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// cmdGraphvizWorker lays out graphs for serve, over stdin and stdout, until
// stdin ends.
func cmdGraphvizWorker(stdout, stderr io.Writer) int {
	if err := graph.ServeWorker(os.Stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "callboard graphviz-worker:", err)
		return 1
	}
	return 0
}
