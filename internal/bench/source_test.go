package bench

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestExtractTar(t *testing.T) {
	archive := func(files map[string]string) *bytes.Buffer {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for name, body := range files {
			if body == "" {
				tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
				continue
			}
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			tw.Write([]byte(body))
		}
		tw.Close()
		return &b
	}
	dir := t.TempDir()
	if err := extractTar(archive(map[string]string{"cmd/": "", "cmd/x/main.go": "package main\n", "go.mod": "module m\n"}), dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "cmd", "x", "main.go"))
	if err != nil || string(got) != "package main\n" {
		t.Errorf("main.go = %q, %v", got, err)
	}
	if err := extractTar(archive(map[string]string{"../escape": "x"}), t.TempDir()); err == nil {
		t.Error("want an error for a path outside the directory")
	}
}

func TestExportRevision(t *testing.T) {
	if _, err := os.Stat("../../.git"); err != nil {
		t.Skip("not in a git checkout")
	}
	dir := t.TempDir()
	if err := exportRevision(t.Context(), "HEAD", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Errorf("no go.mod in the export: %v", err)
	}
	if err := exportRevision(t.Context(), "no-such-revision-xyz", t.TempDir()); err == nil {
		t.Error("want an error for an unknown revision")
	}
}
