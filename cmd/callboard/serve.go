package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/callboard/callboard/internal/app"
)

const serveUsage = "Usage: callboard serve [--config FILE]...\n\nRuns the portal: the catalog engine, the REST API and the web UI.\n\nFlags:\n"

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", serveUsage, stderr)
	var files configFlags
	addConfigFlag(fs, &files)
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	dev := fs.Bool("dev", false, "development mode: read the UI's templates and static files from internal/web on every request (run from the repository root)")
	if err := fs.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "callboard serve:", err)
		return 2
	}
	cfg, err := loadConfig(files, log)
	if err != nil {
		fmt.Fprintln(stderr, "callboard serve:", err)
		return 1
	}
	// Before anything is built, so ingestion runs under the limit too.
	app.SetMemoryLimit(cfg, log)
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Plugins: plugins(), Version: version, Dev: *dev, GraphvizWorker: graphvizWorker()})
	if err != nil {
		fmt.Fprintln(stderr, "callboard serve:", err)
		return 1
	}
	defer a.Close()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "callboard serve:", err)
		return 1
	}
	return 0
}

// graphvizWorker is the command line of this binary's graphviz-worker,
// which lays out graphs in a process that is replaced as it grows; nil
// (lay out in this process) when the binary cannot be found.
func graphvizWorker() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return []string{exe, "graphviz-worker"}
}
