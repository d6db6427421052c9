package main

import (
	"context"
	"strings"
	"testing"
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
