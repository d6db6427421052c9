package form

import (
	"context"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// submit returns what a browser sends when the rendered fields are
// submitted unchanged: text inputs and textareas as they are, checked
// boxes and radios, selected options (a single select without one sends
// its first), nothing for disabled controls.
func submit(t testing.TB, fields string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader("<form>" + fields + "</form>"))
	if err != nil {
		t.Fatal(err)
	}
	out := url.Values{}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	text := func(n *html.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "datalist" {
			return
		}
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			_, disabled := attr(n, "disabled")
			if named && !disabled {
				switch n.Data {
				case "input":
					typ, _ := attr(n, "type")
					val, _ := attr(n, "value")
					_, checked := attr(n, "checked")
					switch typ {
					case "checkbox", "radio":
						if checked {
							out.Add(name, val)
						}
					case "submit":
					default:
						out.Add(name, val)
					}
				case "textarea":
					out.Add(name, strings.TrimPrefix(text(n), "\n"))
				case "select":
					var first string
					var any bool
					seen := false
					for o := n.FirstChild; o != nil; o = o.NextSibling {
						if o.Type != html.ElementNode || o.Data != "option" {
							continue
						}
						v, _ := attr(o, "value")
						if !seen {
							first, seen = v, true
						}
						if _, sel := attr(o, "selected"); sel {
							out.Add(name, v)
							any = true
						}
					}
					if _, multi := attr(n, "multiple"); !any && !multi && seen {
						out.Add(name, first)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// roundTrip renders values, submits the page unchanged and parses it.
func roundTrip(t *testing.T, f *Form, values map[string]any) *Result {
	t.Helper()
	v, err := f.View(context.Background(), State{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	return f.Parse(submit(t, string(v.HTML)), nil)
}

// TestRoundTrip submits each golden case's page unchanged: the values
// read back are the values shown, and the page does not change.
func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"basic", "choices", "conditional", "nested", "oneof"} {
		t.Run(name, func(t *testing.T) {
			c := loadCase(t, filepath.Join("testdata", "golden", name+".yaml"))
			f := New(jsonData[map[string]any](t, c.Schema))
			values := f.Defaults(jsonData[map[string]any](t, c.Values), nil)
			res := roundTrip(t, f, values)
			if res.Changed {
				t.Error("an unchanged page reports new fields")
			}
			// Numbers come back typed by their schema; compare as JSON.
			if diff := cmp.Diff(jsonData[map[string]any](t, values), jsonData[map[string]any](t, res.Values)); diff != "" {
				t.Errorf("values (-shown +read back):\n%s", diff)
			}
		})
	}
}

// TestBackstageTemplates renders every page of Backstage's example
// templates and reads it back: each property has a labelled control and
// the defaults survive the trip.
func TestBackstageTemplates(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..", "shared", "backstage-ref", "scaffolder-templates")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("Backstage's example templates are not beside the repository: %v", err)
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "template.yaml" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates under %s: %v", root, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tmpl struct {
				Spec struct {
					Parameters any `yaml:"parameters"`
				} `yaml:"spec"`
			}
			loadYAML(t, string(b), &tmpl)
			var pages []map[string]any
			switch p := jsonData[any](t, tmpl.Spec.Parameters).(type) {
			case map[string]any:
				pages = append(pages, p)
			case []any:
				for _, it := range p {
					pages = append(pages, it.(map[string]any))
				}
			}
			for i, page := range pages {
				f := New(page)
				values := f.Defaults(nil, nil)
				v, err := f.View(context.Background(), State{Values: values})
				if err != nil {
					t.Fatalf("page %d: %v", i, err)
				}
				for name, prop := range obj(page, "properties") {
					label := str(prop.(map[string]any), "title")
					if label == "" {
						label = name
					}
					if !strings.Contains(string(v.HTML), html.EscapeString(label)) {
						t.Errorf("page %d: no field labelled %q", i, label)
					}
				}
				res := f.Parse(submit(t, string(v.HTML)), nil)
				if res.Changed {
					t.Errorf("page %d: an unchanged page reports new fields", i)
				}
				for k, want := range values {
					if diff := cmp.Diff(jsonData[any](t, want), jsonData[any](t, res.Values[k])); diff != "" {
						t.Errorf("page %d: %s (-default +read back):\n%s", i, k, diff)
					}
				}
				if extra := maps.Clone(res.Values); len(extra) < len(values) {
					t.Errorf("page %d: read back %v, shown %v", i, extra, values)
				}
			}
		})
	}
}
