// Command profserve is `callboard serve` with a CPU profile, for
// callboard-bench -cpuprofile: the serve command has no profiling switch,
// so the benchmark builds this instead. It wires the app the way serve does
// (config.Load, app.New, Run) but without compiled-in plugins, and writes
// the profile named by CALLBOARD_CPUPROFILE when it shuts down.
//
// SIGUSR1 ends the current profile and starts the next segment, named with
// "-2", "-3"... before the extension, so the benchmark can profile
// ingestion and queries separately. At the end of each segment it also
// writes a heap profile named with "-heap" ("-heap-2", ...) after the
// base name.
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
	"strconv"
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
	if err := p.end(); err != nil {
		return err
	}
	p.n++
	return p.open(p.name(strconv.Itoa(p.n)))
}

func (p *profile) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.end()
}

// end stops the CPU profile of the segment and writes its heap profile.
func (p *profile) end() error {
	pprof.StopCPUProfile()
	if err := p.f.Close(); err != nil {
		return err
	}
	heap := "heap"
	if p.n > 1 {
		heap += "-" + strconv.Itoa(p.n)
	}
	f, err := os.Create(p.name(heap))
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// name returns the profile path with "-suffix" before the extension.
func (p *profile) name(suffix string) string {
	ext := filepath.Ext(p.path)
	return strings.TrimSuffix(p.path, ext) + "-" + suffix + ext
}
