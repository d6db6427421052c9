package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/callboard/callboard/internal/config"
)

// configFlags is the repeatable --config flag.
type configFlags []string

func (c *configFlags) String() string     { return strings.Join(*c, ",") }
func (c *configFlags) Set(v string) error { *c = append(*c, v); return nil }

// addConfigFlag registers --config on fs.
func addConfigFlag(fs *flag.FlagSet, files *configFlags) {
	fs.Var(files, "config", "app-config file (repeatable; later files override earlier ones)\n"+
		"default: app-config.yaml and app-config.local.yaml in the working directory, when present")
}

// loadConfig loads the files named by --config or, without any, the
// app-config.yaml and app-config.local.yaml of the working directory as
// Backstage does. Warnings are logged, not fatal.
func loadConfig(files configFlags, log *slog.Logger) (*config.Config, error) {
	if len(files) == 0 {
		for _, f := range []string{"app-config.yaml", "app-config.local.yaml"} {
			if _, err := os.Stat(f); err == nil {
				files = append(files, f)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		if len(files) == 0 {
			log.Warn("no app-config.yaml in the working directory and no --config given; using defaults")
		}
	}
	cfg, warnings, err := config.Load(files, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		log.Warn("config: " + w.String())
	}
	return cfg, nil
}

// newLogger returns the process logger: text for people, JSON when asked.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", format)
}
