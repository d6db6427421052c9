package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/bench"
)

func TestRunArguments(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"-h"}, 0, "-n int"},
		{[]string{"-n", "10", "extra"}, 2, `unexpected arguments ["extra"]`},
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"-q", "-db", "mysql"}, 1, `unknown database "mysql"`},
		{[]string{"-env", "GOGC"}, 2, `want KEY=VALUE, got "GOGC"`},
		{[]string{"-q", "-n", "3", "-bin", "/nonexistent/callboard"}, 1, "n must be at least 10"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := run(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.inStderr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d containing %q", tt.args, code, stderr.String(), tt.code, tt.inStderr)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	rep := &bench.Report{Title: "t", Figures: []bench.Figure{{Name: "cold start", Value: "1.00 s", Target: "≤ 2.00 s", Status: bench.Pass}}}
	if err := writeMarkdown(dir, bench.Options{N: 10000, DB: "postgres"}, rep); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "bench-10000-postgres.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "| cold start | 1.00 s | ≤ 2.00 s | pass |  |") {
		t.Errorf("markdown:\n%s", got)
	}
}
