package bench

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"
)

// TestGeneratedYAMLReadsBack parses every written file with a YAML library
// and checks it holds exactly the documents the generator built.
func TestGeneratedYAMLReadsBack(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]any{}
	if _, err := generate(dir, 2000, 11, func(rel string, d obj) {
		want[rel] = append(want[rel], d.toMap())
	}); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, dir)
	if len(files) != len(want) {
		t.Fatalf("%d files on disk, %d written", len(files), len(want))
	}
	for rel, data := range files {
		var got []any
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", filepath.FromSlash(rel), err)
			}
			got = append(got, doc)
		}
		if diff := cmp.Diff(want[rel], got); diff != "" {
			t.Errorf("%s (-built +read):\n%s", rel, diff)
		}
	}
}

// TestScalarsReadBack writes awkward strings and checks a YAML library
// reads each back unchanged.
func TestScalarsReadBack(t *testing.T) {
	values := []string{
		"plain", "a: b", "a:b", "ends:", "#x", "a #b", "-", "- x", "?", "yes", "No", "off", "~", "null", "",
		"1", "1.0", "0x1F", "1e3", ".inf", "-.nan", "12:30", "@x", "`x", "'x'", `"x"`, "{x}", "[x]", "x,y",
		"x\ny", "x\n", "x\n\n", " x", "x ", "\tx", "é", "a|b", ">x", "!x", "&x", "*x", "%x", "(x)", "x=y",
		"./a/b.yaml", "https://h.example/p?q=1#f", "component:default/a", "line one\n  indented\nlast\n",
	}
	doc := obj{}
	for i, v := range values {
		doc = append(doc, field{Key: "k" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Value: v})
		doc = append(doc, field{Key: v + "-key", Value: "v"})
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := writeDoc(w, doc); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	var got map[string]any
	if err := yaml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if diff := cmp.Diff(doc.toMap(), got); diff != "" {
		t.Errorf("(-written +read):\n%s\n%s", diff, b.String())
	}
}
