// Command profserve is `callboard serve` with a CPU profile, for
// callboard-bench -cpuprofile: the serve command has no profiling switch,
// so the benchmark builds this instead. It wires the app the way serve does
// (config.Load, app.New, Run) but without compiled-in plugins, and writes
// the profile named by CALLBOARD_CPUPROFILE when it shuts down.
//
// SIGUSR1 ends the current profile and starts the next segment, named with
// "-2", "-3"... before the extension, so the benchmark can profile
// ingestion and queries separately.
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
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
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
		p, err := startProfile(profile)
		if err != nil {
			fmt.Fprintln(stderr, "profserve:", err)
			return 1
		}
		defer p.stop()
		stop := onRotateSignal(func() {
			if err := p.rotate(); err != nil {
				log.Error("rotate CPU profile", "err", err)
			}
		})
		defer stop()
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

// profile is a CPU profile written in segments.
type profile struct {
	mu   sync.Mutex
	path string
	n    int
	f    *os.File
}

func startProfile(path string) (*profile, error) {
	p := &profile{path: path, n: 1}
	return p, p.open(path)
}

func (p *profile) open(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

// rotate ends the current segment and starts the next one.
func (p *profile) rotate() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pprof.StopCPUProfile()
	if err := p.f.Close(); err != nil {
		return err
	}
	p.n++
	ext := filepath.Ext(p.path)
	return p.open(fmt.Sprintf("%s-%d%s", strings.TrimSuffix(p.path, ext), p.n, ext))
}

func (p *profile) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	pprof.StopCPUProfile()
	p.f.Close()
}
