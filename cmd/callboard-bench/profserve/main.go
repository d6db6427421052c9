// Command profserve is `callboard serve` with a CPU profile, for
// callboard-bench -cpuprofile: the serve command has no profiling switch,
// so the benchmark builds this instead. It wires the app the way serve does
// (config.Load, app.New, Run) but without compiled-in plugins, and writes
// the profile named by CALLBOARD_CPUPROFILE when it shuts down.
//
//	profserve serve --config app-config.yaml [--config ...]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv("CALLBOARD_CPUPROFILE"), os.Stderr)
	stop()
	os.Exit(code)
}

type configFiles []string

func (c *configFiles) String() string     { return strings.Join(*c, ",") }
func (c *configFiles) Set(v string) error { *c = append(*c, v); return nil }

func run(ctx context.Context, args []string, profile string, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintln(stderr, "usage: profserve serve --config FILE")
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var files configFiles
	fs.Var(&files, "config", "app-config file (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			fmt.Fprintln(stderr, "profserve:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "profserve:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	cfg, warnings, err := config.Load(files, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "profserve:", err)
		return 1
	}
	for _, w := range warnings {
		log.Warn("config: " + w.String())
	}
	a, err := app.New(ctx, app.Options{Config: cfg, Logger: log, Version: "profserve"})
	if err != nil {
		fmt.Fprintln(stderr, "profserve:", err)
		return 1
	}
	defer a.Close()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "profserve:", err)
		return 1
	}
	return 0
}
