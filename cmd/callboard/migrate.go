package main

import (
	"context"
	"fmt"
	"io"

	"github.com/callboard/callboard/internal/app"
)

const migrateUsage = "Usage: callboard migrate [--config FILE]...\n\nApplies pending database migrations (backend.database) and exits.\n`callboard serve` also migrates at start-up.\n\nFlags:\n"

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("migrate", migrateUsage, stderr)
	var files configFlags
	addConfigFlag(fs, &files)
	if err := fs.Parse(args); err != nil {
		return exitForFlagError(err)
	}
	log, _ := newLogger(stderr, "text", "warn")
	cfg, err := loadConfig(files, log)
	if err != nil {
		fmt.Fprintln(stderr, "callboard migrate:", err)
		return 1
	}
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "callboard migrate:", err)
		return 1
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "callboard migrate:", err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	return 0
}
