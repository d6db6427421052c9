package nunjucks

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptions(t *testing.T) {
	cookie := Options{VariableStart: "{{", VariableEnd: "}}", JinjaCompat: true}
	ctx := map[string]any{
		"cookiecutter": map[string]any{"name": "my-app", "tags": []any{"a", "b"}, "obj": map[string]any{"x": 1, "y": 2}},
		"values":       map[string]any{"on": true, "items": []any{"a", "b"}},
	}
	cases := []struct {
		name string
		o    Options
		src  string
		want string
	}{
		{"no trim", Options{}, "{% if values.on %}\n  yes\n{% endif %}\n", "\n  yes\n\n"},
		{"trimBlocks", Options{TrimBlocks: true}, "{% if values.on %}\n  yes\n{% endif %}\nend", "  yes\nend"},
		{"trimBlocks CRLF", Options{TrimBlocks: true}, "{% if values.on %}\r\nyes\r\n{% endif %}\r\n", "yes\r\n"},
		{"trimBlocks keeps variable newlines", Options{TrimBlocks: true}, "${{ 'a' }}\nb", "a\nb"},
		{"trimBlocks comment", Options{TrimBlocks: true}, "{# c #}\nb", "b"},
		{"lstripBlocks", Options{LstripBlocks: true}, "  {% if values.on %}\n  yes\n  {% endif %}\nend", "\n  yes\n\nend"},
		{"lstripBlocks not after text", Options{LstripBlocks: true}, "x  {% if values.on %}y{% endif %}", "x  y"},
		{"both", Options{TrimBlocks: true, LstripBlocks: true},
			"list:\n  {% for i in values.items %}\n  - ${{ i }}\n  {% endfor %}\nend", "list:\n  - a\n  - b\nend"},
		{"both with raw", Options{TrimBlocks: true, LstripBlocks: true}, "  {% raw %}\n${{ x }}\n  {% endraw %}\n", "${{ x }}\n"},
		{"cookiecutter", cookie, "{{ cookiecutter.name | upper }}", "MY-APP"},
		{"cookiecutter dollar stays text", cookie, "${{ cookiecutter.name }}", "$my-app"},
		{"python upper", cookie, "{{ cookiecutter.name.upper() }}", "MY-APP"},
		{"python replace", cookie, "{{ cookiecutter.name.replace('-', '_') }}", "my_app"},
		{"python split", cookie, "{{ 'a b  c'.split() | length }}", "3"},
		{"python strip", cookie, "{{ 'xxhixx'.strip('x') }}", "hi"},
		{"python startswith", cookie, "{{ cookiecutter.name.startswith('my') }}", "true"},
		{"python join", cookie, "{{ '-'.join(cookiecutter.tags) }}", "a-b"},
		{"python items", cookie, "{% for k, v in cookiecutter.obj.items() %}{{ k }}={{ v }} {% endfor %}", "x=1 y=2 "},
		{"python keys values", cookie, "{{ cookiecutter.obj.keys() }}|{{ cookiecutter.obj.values() }}", "x,y|1,2"},
		{"python get", cookie, "{{ cookiecutter.obj.get('x') }}|{{ cookiecutter.obj.get('z', 'd') }}", "1|d"},
		{"python list count", cookie, "{{ cookiecutter.tags.count('a') }}|{{ cookiecutter.tags.index('b') }}", "1|1"},
		{"python isdigit", cookie, "{{ '123'.isdigit() }}|{{ '12a'.isdigit() }}", "true|false"},
		{"jsonify", cookie, "{{ cookiecutter.tags | jsonify }}", `["a","b"]`},
		{"tojson", cookie, "{{ cookiecutter.obj | tojson }}", `{"x":1,"y":2}`},
		{"custom delimiters", Options{BlockStart: "<%", BlockEnd: "%>", CommentStart: "<#", CommentEnd: "#>", VariableStart: "<<", VariableEnd: ">>"},
			"<% if values.on %><< 'yes' >><% endif %><# gone #>{% if %}", "yes{% if %}"},
		{"custom filter overrides", Options{Filters: map[string]Filter{
			"upper": func(v any, _ []any) (any, error) { return "custom", nil },
			"wrap":  func(v any, args []any) (any, error) { return toString(args[0]) + toString(v) + toString(args[0]), nil },
		}}, "${{ 'a' | upper }} ${{ 'b' | wrap('*') }}", "custom *b*"},
		{"globals", Options{Globals: map[string]any{"org": "acme", "double": Func(func(a []any) (any, error) { return toNumber(a[0]) * 2, nil })}},
			"${{ org }} ${{ double(21) }}", "acme 42"},
		{"context shadows globals", Options{Globals: map[string]any{"values": "global"}}, "${{ values.on }}", "true"},
		{"kwargs reach custom filters", Options{Filters: map[string]Filter{
			"kw": func(v any, args []any) (any, error) { return args[len(args)-1].(Kwargs)["sep"], nil },
		}}, "${{ 1 | kw(2, sep='|') }}", "|"},
	}
	for _, c := range cases {
		got, err := New(c.o).RenderString(c.name, c.src, ctx)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestJinjaMethodsNeedCompat(t *testing.T) {
	_, err := New(Options{}).RenderString("t", "${{ 'a'.upper() }}", nil)
	if err == nil || err.Error() != "t:1:14: Unable to call `\"a\".upper`, which is undefined or falsey" {
		t.Errorf("got %v", err)
	}
}

func TestRefs(t *testing.T) {
	e := testEnv(Options{})
	cases := []struct {
		src  string
		want [][]string
	}{
		{"${{ steps['a'].output.x }}", [][]string{{"steps", "a", "output", "x"}}},
		{"${{ parameters.name | lower }} ${{ parameters.name }}", [][]string{{"parameters", "name"}}},
		{"{% for t in parameters.tags %}${{ t.name }}${{ loop.index }}{% endfor %}", [][]string{{"parameters", "tags"}}},
		{"{% set x = steps.b.output %}${{ x.y }}", [][]string{{"steps", "b", "output"}}},
		{"${{ steps[parameters.step].output }}", [][]string{{"steps"}, {"parameters", "step"}}},
		{"${{ always() }}", nil},
		{"${{ parameters.name.split('/') }}", [][]string{{"parameters", "name"}}},
		{"{% macro m(a) %}${{ a }}${{ b }}{% endmacro %}", [][]string{{"b"}}},
		{"${{ parameters.tags[0] }}", [][]string{{"parameters", "tags", "0"}}},
		{"${{ 'x' if each.value else steps.c.output.y | default(user.ref) }}", [][]string{{"each", "value"}, {"steps", "c", "output", "y"}, {"user", "ref"}}},
		{"{% if steps.d %}{% filter upper %}${{ secrets.token }}{% endfilter %}{% endif %}", [][]string{{"steps", "d"}, {"secrets", "token"}}},
		{"plain", nil},
	}
	for _, c := range cases {
		got, err := e.Refs("t", c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.src, diff)
		}
	}
	if _, err := e.Refs("t", "${{ ( }}"); !IsSyntaxError(err) {
		t.Errorf("Refs of bad syntax = %v", err)
	}
}

func TestTruthy(t *testing.T) {
	cases := []struct {
		v    any
		want bool
	}{
		{false, false}, {nil, false}, {Undefined, false}, {"", false}, {0, false}, {0.0, false},
		{[]any{}, false}, {true, true}, {"false", true}, {1, true}, {-0.5, true}, {[]any{0}, true},
		{map[string]any{}, true},
	}
	for _, c := range cases {
		if got := Truthy(c.v); got != c.want {
			t.Errorf("Truthy(%#v) = %v", c.v, got)
		}
	}
}

func TestConcurrentRender(t *testing.T) {
	e := testEnv(Options{})
	tmpl, err := e.Parse("t", "{% for t in parameters.tags %}${{ loop.index }}${{ t | upper }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				got, err := tmpl.Render(testCtx())
				if err != nil || got != "1GO2WEB3API" {
					t.Errorf("got %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDefaults(t *testing.T) {
	o := New(Options{}).o
	got := []any{o.VariableStart, o.VariableEnd, o.BlockStart, o.BlockEnd, o.CommentStart, o.CommentEnd, o.MaxSteps, o.MaxOutput}
	want := []any{"${{", "}}", "{%", "%}", "{#", "#}", 1_000_000, 32 << 20}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}
