//go:build unix

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeWritesProfile(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := filepath.Join(dir, "app-config.yaml")
	yaml := fmt.Sprintf("backend:\n  listen:\n    host: 127.0.0.1\n    port: %d\n  database:\n    client: better-sqlite3\n    connection:\n      filename: %s\n",
		port, filepath.Join(dir, "callboard.db"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "cpu.prof")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr strings.Builder
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, profile, &stderr) }()
	ready := false
	for range 200 {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/.backstage/health/v1/readiness", port))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ready = true
				break
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err := sendRotate(); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(dir, "cpu-2.prof")
	for range 100 {
		if _, err := os.Stat(second); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 || !ready {
		t.Fatalf("exit %d, ready %v:\n%s", code, ready, stderr.String())
	}
	for _, p := range []string{profile, second, filepath.Join(dir, "cpu-heap.prof"), filepath.Join(dir, "cpu-heap-2.prof")} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("no profile written: %v", err)
		}
	}
}

func TestUsage(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), []string{"migrate"}, "", &stderr); code != 2 {
		t.Errorf("exit %d for an unknown command", code)
	}
}
