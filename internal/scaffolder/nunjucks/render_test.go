package nunjucks

import (
	"errors"
	"testing"

	"github.com/callboard/callboard/internal/problem"
	"github.com/google/go-cmp/cmp"
)

// renderCases render to strings with the default `${{ }}` environment.
var renderCases = []struct{ src, want string }{
	// text and output
	{"plain text", "plain text"},
	{"", ""},
	{"${{ parameters.name }}", "My-Service"},
	{"a ${{ parameters.name }} b", "a My-Service b"},
	{"${{parameters.name}}", "My-Service"},
	{"{{ not a tag }}", "{{ not a tag }}"},
	{"$ {{ x }}", "$ {{ x }}"},
	// literals
	{"${{ 'single' }}", "single"},
	{`${{ "double" }}`, "double"},
	{`${{ 'it\'s' }}`, "it's"},
	{`${{ "a\tb\nc\\d\u00e9" }}`, "a\tb\nc\\dé"},
	{"${{ 'a' 'b' }}", "ab"},
	{"${{ 42 }}", "42"},
	{"${{ 1.5 }}", "1.5"},
	{"${{ 1e3 }}", "1000"},
	{"${{ true }}|${{ false }}|${{ True }}|${{ False }}", "true|false|true|false"},
	{"${{ none }}|${{ null }}|${{ None }}", "||"},
	{"${{ [1, 'a', true] }}", "1,a,true"},
	{"${{ [1, [2, 3]] }}", "1,2,3"},
	{"${{ [null, undefinedThing, 1] }}", ",,1"},
	{"${{ {a: 1} }}", "[object Object]"},
	{"${{ {'a': 1}.a }}", "1"},
	{"${{ {a: {b: 2}}.a.b }}", "2"},
	{"${{ (1, 2) }}", "1,2"},
	// rendering of values
	{"${{ parameters.enabled }}", "true"},
	{"${{ parameters.tags }}", "go,web,api"},
	{"${{ parameters.obj }}", "[object Object]"},
	{"${{ parameters.nothing }}", ""},
	{"${{ parameters.float }}", "3"},
	{"${{ parameters.ratio }}", "0.1"},
	{"${{ parameters.typed }}", "a,b"},
	{"${{ parameters.int64 }}", "7"},
	{"${{ 0.1 + 0.2 }}", "0.30000000000000004"},
	{"${{ 1e21 }}", "1e+21"},
	{"${{ 1 / 3 }}", "0.3333333333333333"},
	{"${{ 1 / 0 }}", "Infinity"},
	{"${{ 0.0000001 }}", "1e-7"},
	// lookups
	{"${{ parameters['name'] }}", "My-Service"},
	{`${{ steps['publish'].output.remoteUrl }}`, "https://github.com/acme/svc"},
	{`${{ steps["fetch-base"].output }}`, "[object Object]"},
	{"${{ parameters.tags[0] }}", "go"},
	{"${{ parameters.tags[-1] }}", "api"},
	{"${{ parameters.tags[5] }}|", "|"},
	{"${{ parameters.tags.1 }}", "web"},
	{"${{ parameters.tags.length }}", "3"},
	{"${{ parameters.name.length }}", "10"},
	{"${{ parameters.name[0] }}", "M"},
	{"${{ parameters.missing }}|", "|"},
	{"${{ parameters.missing.deep.deeper }}|", "|"},
	{"${{ parameters.nothing.deep }}|", "|"},
	{"${{ nope.nope }}|", "|"},
	{"${{ parameters.users[1].name }}", "bob"},
	{"${{ parameters.tags[1:] }}", "web,api"},
	{"${{ parameters.tags[:2] }}", "go,web"},
	{"${{ parameters.tags[::-1] }}", "api,web,go"},
	{"${{ parameters.name[3:] }}", "Service"},
	{"${{ user.entity.metadata.name }}", "ann"},
	{"${{ each.value }}", "x"},
	// JavaScript methods
	{"${{ parameters.name.toUpperCase() }}", "MY-SERVICE"},
	{"${{ parameters.name.toLowerCase() }}", "my-service"},
	{"${{ parameters.owner.split('/')[1] }}", "team-a"},
	{"${{ parameters.owner.split(':') | first }}", "group"},
	{"${{ 'a-b-c'.replace('-', '+') }}", "a+b-c"},
	{"${{ 'a-b-c'.replaceAll('-', '+') }}", "a+b+c"},
	{"${{ parameters.name.startsWith('My') }}", "true"},
	{"${{ parameters.name.endsWith('x') }}", "false"},
	{"${{ parameters.name.includes('Serv') }}", "true"},
	{"${{ parameters.text.trim() }}", "hello world"},
	{"${{ parameters.tags.join('-') }}", "go-web-api"},
	{"${{ parameters.tags.join() }}", "go,web,api"},
	{"${{ parameters.tags.includes('web') }}", "true"},
	{"${{ parameters.tags.indexOf('api') }}", "2"},
	{"${{ parameters.name.indexOf('S') }}", "3"},
	{"${{ parameters.name.slice(-7) }}", "Service"},
	{"${{ parameters.name.substring(0, 2) }}", "My"},
	{"${{ '5'.padStart(3, '0') }}", "005"},
	{"${{ parameters.price.toFixed(2) }}", "2.50"},
	{"${{ parameters.tags.slice(1, 2) }}", "web"},
	{"${{ parameters.tags.concat(['x']) }}", "go,web,api,x"},
	// operators
	{"${{ 1 + 2 }}", "3"},
	{"${{ 'a' + 'b' }}", "ab"},
	{"${{ 'a' + 1 }}", "a1"},
	{"${{ parameters.count + 1 }}", "4"},
	{"${{ parameters.price * 2 }}", "5"},
	{"${{ 7 - 10 }}", "-3"},
	{"${{ 7 / 2 }}", "3.5"},
	{"${{ 7 // 2 }}", "3"},
	{"${{ -7 // 2 }}", "-4"},
	{"${{ 7 % 3 }}", "1"},
	{"${{ 2 ** 10 }}", "1024"},
	{"${{ 2 + 3 * 4 }}", "14"},
	{"${{ (2 + 3) * 4 }}", "20"},
	{"${{ -parameters.count }}", "-3"},
	{"${{ 'a' ~ 'b' ~ 1 }}", "ab1"},
	{"${{ parameters.name ~ '-' ~ parameters.count }}", "My-Service-3"},
	{"${{ parameters.missing ~ 'x' }}", "undefinedx"},
	{"${{ 'v' ~ parameters.tags }}", "vgo,web,api"},
	{"${{ 1 == 1 }}|${{ 1 == '1' }}|${{ 1 === '1' }}|${{ 1 !== '1' }}|${{ 1 != 2 }}", "true|true|false|true|true"},
	{"${{ parameters.enabled == true }}", "true"},
	{"${{ parameters.float === 3 }}", "true"},
	{"${{ null == undefinedThing }}|${{ null === undefinedThing }}", "true|false"},
	{"${{ 2 < 10 }}|${{ '2' < '10' }}|${{ 3 >= 3 }}|${{ 4 <= 3 }}|${{ 'b' > 'a' }}", "true|false|true|false|true"},
	{"${{ 'web' in parameters.tags }}|${{ 'x' in parameters.tags }}", "true|false"},
	{"${{ 'a' in parameters.obj }}|${{ 'Serv' in parameters.name }}", "true|true"},
	{"${{ 'x' not in parameters.tags }}", "true"},
	{"${{ not parameters.enabled }}|${{ not parameters.emptyList }}", "false|false"},
	{"${{ parameters.enabled and parameters.name }}", "My-Service"},
	{"${{ parameters.disabled and parameters.name }}", "false"},
	{"${{ parameters.empty or 'fallback' }}", "fallback"},
	{"${{ parameters.name or 'fallback' }}", "My-Service"},
	{"${{ not parameters.disabled and parameters.count > 2 }}", "true"},
	{"${{ 'yes' if parameters.enabled else 'no' }}", "yes"},
	{"${{ 'yes' if parameters.disabled else 'no' }}", "no"},
	{"${{ 'yes' if parameters.disabled }}|", "|"},
	{"${{ 'a' if false else 'b' if true else 'c' }}", "b"},
	// filters
	{"${{ parameters.name | lower }}", "my-service"},
	{"${{ parameters.name | upper }}", "MY-SERVICE"},
	{"${{ parameters.name | lower | replace('-', '_') }}", "my_service"},
	{"${{ 'a' ~ parameters.name | upper }}", "aMY-SERVICE"},
	{"${{ -3 | abs }}", "3"},
	{"${{ parameters.count + -5 | abs }}", "8"},
	{"${{ 'hello WORLD' | capitalize }}", "Hello world"},
	{"${{ 'hello big world' | title }}", "Hello Big World"},
	{"${{ 'ab' | center(6) }}", "  ab  "},
	{"${{ parameters.missing | default('dflt') }}", "dflt"},
	{"${{ parameters.nothing | default('dflt') }}", ""},
	{"${{ parameters.empty | default('dflt') }}", ""},
	{"${{ parameters.empty | default('dflt', true) }}", "dflt"},
	{"${{ parameters.missing | d('x') }}", "x"},
	{"${{ parameters.name | dump }}", `"My-Service"`},
	{"${{ parameters.tags | dump }}", `["go","web","api"]`},
	{"${{ parameters.obj | dump }}", `{"a":1,"b":"two"}`},
	{"${{ parameters.obj | dump(2) }}", "{\n  \"a\": 1,\n  \"b\": \"two\"\n}"},
	{"${{ '<a&b>' | dump }}", `"<a&b>"`},
	{"${{ parameters.missing | dump }}|", "|"},
	{`${{ "q\"b\\s\n\t\u0001é€" | dump }}`, `"q\"b\\s\n\t\u0001é€"`},
	{"${{ {a: [], b: {}, c: [1, {d: none}], u: parameters.missing} | dump(2) }}", "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ]\n}"},
	{"${{ [parameters.missing, 1 / 0, 0.5] | dump }}", "[null,null,0.5]"},
	{"${{ parameters.tags | dump('\t') }}", "[\n\t\"go\",\n\t\"web\",\n\t\"api\"\n]"},
	{"${{ parameters.obj | tojson }}", `{"a":1,"b":"two"}`},
	{"${{ parameters.html | escape }}", "&lt;b&gt;hi&lt;/b&gt; &amp; &#39;you&#39;"},
	{"${{ parameters.html | e }}", "&lt;b&gt;hi&lt;/b&gt; &amp; &#39;you&#39;"},
	{`${{ 'a"b\\c' | escape }}`, "a&quot;b&#92;c"},
	{"${{ parameters.html }}", `<b>hi</b> & 'you'`},
	{"${{ parameters.tags | first }}|${{ parameters.tags | last }}", "go|api"},
	{"${{ parameters.name | first }}", "M"},
	{"${{ '3.75' | float }}|${{ 'x' | float }}|${{ 'x' | float(1.5) }}", "3.75||1.5"},
	{"${{ '42' | int }}|${{ '3.9' | int }}|${{ 'x' | int }}|${{ 'x' | int(7) }}|${{ -4.5 | int }}", "42|3||7|-4"},
	{"${{ 'ff' | int(base=16) }}", "255"},
	{"${{ parameters.tags | join(', ') }}", "go, web, api"},
	{"${{ parameters.tags | join }}", "goweb api"[:0] + "gowebapi"},
	{"${{ parameters.users | join(',', 'name') }}", "ann,bob,Cid"},
	{"${{ parameters.tags | length }}|${{ parameters.name | length }}|${{ parameters.obj | length }}|${{ parameters.missing | length }}", "3|10|2|0"},
	{"${{ parameters.tags | count }}", "3"},
	{"${{ 'abc' | list }}", "a,b,c"},
	{"${{ parameters.lines | nl2br }}", "one<br />\ntwo"},
	{"${{ [1] | random }}", "1"},
	{"${{ [1, 2, 3, 4] | select('odd') }}", "1,3"},
	{"${{ [1, 2, 3, 4] | reject('odd') }}", "2,4"},
	{"${{ [0, 1, '', 'a'] | select }}", "1,a"},
	{"${{ [3, 6, 9, 10] | select('divisibleby', 3) }}", "3,6,9"},
	{"${{ parameters.users | selectattr('admin') | join(',', 'name') }}", "ann,Cid"},
	{"${{ parameters.users | rejectattr('admin') | join(',', 'name') }}", "bob"},
	{"${{ parameters.users | selectattr('team', 'equalto', 'y') | join(',', 'name') }}", "bob"},
	{"${{ 'aXbXc' | replace('X', '-') }}", "a-b-c"},
	{"${{ 'aXbXc' | replace('X', '-', 1) }}", "a-bXc"},
	{"${{ 'abc' | replace('', '.') }}", ".a.b.c."},
	{"${{ 12345 | replace(3, 'x') }}", "12x45"},
	{"${{ parameters.tags | reverse }}|${{ 'abc' | reverse }}", "api,web,go|cba"},
	{"${{ 2.567 | round }}|${{ 2.567 | round(2) }}|${{ 2.5 | round }}|${{ 2.567 | round(1, 'floor') }}|${{ 2.1 | round(0, 'ceil') }}", "3|2.57|3|2.5|3"},
	{"${{ parameters.html | safe }}", `<b>hi</b> & 'you'`},
	{"${{ [1, 2, 3, 4, 5] | slice(2) | dump }}", "[[1,2,3],[4,5]]"},
	{"${{ [1, 2, 3, 4, 5] | batch(2) | dump }}", "[[1,2],[3,4],[5]]"},
	{"${{ [1, 2, 3] | batch(2, 'z') | dump }}", `[[1,2],[3,"z"]]`},
	{"${{ [1, 2, 3] | batch(2, 0) | dump }}", "[[1,2],[3]]"},
	{"${{ parameters.nums | sort }}", "1,2,3"},
	{"${{ parameters.nums | sort(true) }}", "3,2,1"},
	{"${{ ['b', 'C', 'a'] | sort }}", "a,b,C"},
	{"${{ ['b', 'C', 'a'] | sort(false, true) }}", "C,a,b"},
	{"${{ parameters.users | sort(attribute='age') | join(',', 'name') }}", "bob,ann,Cid"},
	{"${{ parameters.users | sort(reverse=true, attribute='name') | join(',', 'name') }}", "Cid,bob,ann"},
	{"${{ parameters.count | string }}|${{ parameters.count | string | length }}", "3|1"},
	{"${{ '<p>a  <b>b</b></P>\n c' | striptags }}", "a b c"},
	{"${{ [1, 2, 3] | sum }}|${{ parameters.users | sum('age') }}|${{ [1] | sum(start=10) }}", "6|90|11"},
	{"${{ parameters.text | trim }}", "hello world"},
	{"${{ 'hello world foo' | truncate(9) }}", "hello..."},
	{"${{ 'hello world foo' | truncate(9, true) }}", "hello wor..."},
	{"${{ 'hello world foo' | truncate(11, false, '!') }}", "hello world!"},
	{"${{ 'short' | truncate(10) }}", "short"},
	{"${{ 'a b&c/d' | urlencode }}", "a%20b%26c%2Fd"},
	{"${{ {a: 1, b: 'x y'} | urlencode }}", "a=1&b=x%20y"},
	{"${{ 'see https://x.io now' | urlize }}", `see <a href="https://x.io">https://x.io</a> now`},
	{"${{ 'mail a@b.co or www.x.org.' | urlize }}", `mail <a href="mailto:a@b.co">a@b.co</a> or <a href="http://www.x.org">www.x.org</a>.`},
	{"${{ 'one two, three' | wordcount }}", "3"},
	{"${{ 'a\nb' | indent(2) }}", "a\n  b"},
	{"${{ 'a\nb' | indent(2, true) }}", "  a\n  b"},
	{"${{ parameters.obj | dictsort | dump }}", `[["a",1],["b","two"]]`},
	{"${{ parameters.users | groupby('team') | dump }}", `{"x":[{"admin":true,"age":30,"name":"ann","team":"x"},{"admin":true,"age":35,"name":"Cid","team":"x"}],"y":[{"admin":false,"age":25,"name":"bob","team":"y"}]}`},
	{"${{ parameters.obj | keys }}|${{ parameters.obj | values }}|${{ parameters.obj | items | dump }}", `a,b|1,two|[["a",1],["b","two"]]`},
	{"${{ parameters.obj | list | dump }}", `[{"key":"a","value":1},{"key":"b","value":"two"}]`},
	// tests
	{"${{ parameters.name is defined }}|${{ parameters.missing is defined }}|${{ parameters.missing is undefined }}", "true|false|true"},
	{"${{ parameters.nothing is none }}|${{ parameters.nothing is null }}|${{ parameters.missing is none }}", "true|true|false"},
	{"${{ parameters.count is number }}|${{ parameters.name is string }}|${{ parameters.count is string }}", "true|true|false"},
	{"${{ 3 is odd }}|${{ 3 is even }}|${{ 4 is not odd }}", "true|false|true"},
	{"${{ 9 is divisibleby(3) }}|${{ 10 is divisibleby(3) }}", "true|false"},
	{"${{ parameters.emptyList is truthy }}|${{ '' is falsy }}", "true|true"},
	{"${{ parameters.tags is sameas(parameters.tags) }}|${{ 1 is sameas('1') }}", "true|false"},
	{"${{ range is callable }}|${{ parameters.obj is mapping }}|${{ parameters.tags is iterable }}|${{ 1 is iterable }}", "true|true|true|false"},
	{"${{ parameters.missing is not defined and true }}", "true"},
	// globals
	{"${{ range(3) }}|${{ range(1, 4) }}|${{ range(0, 10, 3) }}|${{ range(3, 0, -1) }}", "0,1,2|1,2,3|0,3,6,9|3,2,1"},
	{"{% set c = cycler('a', 'b') %}${{ c.next() }}${{ c.next() }}${{ c.next() }}${{ c.current }}", "abaa"},
	{"{% set j = joiner('+') %}{% for t in parameters.tags %}${{ j() }}${{ t }}{% endfor %}", "go+web+api"},
	{"${{ always() }}|${{ failure() }}", "true|false"},
	// if
	{"{% if parameters.enabled %}on{% endif %}", "on"},
	{"{% if parameters.disabled %}on{% else %}off{% endif %}", "off"},
	{"{% if parameters.count > 5 %}big{% elif parameters.count > 2 %}mid{% else %}small{% endif %}", "mid"},
	{"{% if false %}a{% elseif true %}b{% endif %}", "b"},
	{"{% if parameters.emptyList %}js-truthy{% endif %}", "js-truthy"},
	{"{% if parameters.missing.deep %}x{% else %}y{% endif %}", "y"},
	{"{% if not parameters.name %}x{% else %}y{% endif %}", "y"},
	// for
	{"{% for t in parameters.tags %}${{ t }};{% endfor %}", "go;web;api;"},
	{"{% for t in parameters.tags %}${{ loop.index }}/${{ loop.index0 }}/${{ loop.revindex }}/${{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}", "1/0/3/3F 2/1/2/3 3/2/1/3L "},
	{"{% for k, v in parameters.obj %}${{ k }}=${{ v }};{% endfor %}", "a=1;b=two;"},
	{"{% for k in parameters.obj %}${{ k }};{% endfor %}", "a;b;"},
	{"{% for a, b in [[1, 2], [3, 4]] %}${{ a + b }};{% endfor %}", "3;7;"},
	{"{% for x in parameters.emptyList %}x{% else %}none{% endfor %}", "none"},
	{"{% for x in parameters.missing %}x{% else %}none{% endfor %}", "none"},
	{"{% for c in 'ab' %}${{ c }}.{% endfor %}", "a.b."},
	{"{% for u in parameters.users %}{% if u.admin %}${{ u.name }} {% endif %}{% endfor %}", "ann Cid "},
	{"{% for i in range(2) %}{% for j in range(2) %}${{ i }}${{ j }} {% endfor %}{% endfor %}", "00 01 10 11 "},
	// set
	{"{% set x = 5 %}${{ x * 2 }}", "10"},
	{"{% set a, b = 1 %}${{ a }}${{ b }}", "11"},
	{"{% set x %}block ${{ parameters.name }}{% endset %}[${{ x }}]", "[block My-Service]"},
	{"{% set n = 0 %}{% for t in parameters.tags %}{% set n = n + 1 %}{% endfor %}${{ n }}", "3"},
	{"{% for t in parameters.tags %}{% set inner = t %}{% endfor %}${{ inner }}|", "|"},
	{"{% set parameters = 'shadow' %}${{ parameters }}", "shadow"},
	// raw, comments
	{"{% raw %}${{ not rendered }}{% if %}{% endraw %}", "${{ not rendered }}{% if %}"},
	{"{% verbatim %}${{ x }}{% endverbatim %}", "${{ x }}"},
	{"{% raw %}{% raw %}x{% endraw %}{% endraw %}", "{% raw %}x{% endraw %}"},
	{"a{# a comment ${{ x }} #}b", "ab"},
	// macros and filter blocks
	{"{% macro greet(who, punct='!') %}Hi ${{ who }}${{ punct }}{% endmacro %}${{ greet('ann') }} ${{ greet('bob', '?') }} ${{ greet(punct='.', who='cid') }}", "Hi ann! Hi bob? Hi cid."},
	{"{% macro fact(n) %}{% if n <= 1 %}1{% else %}${{ n * (fact(n - 1) | int) }}{% endif %}{% endmacro %}${{ fact(5) }}", "120"},
	{"{% macro m() %}x{% endmacro %}${{ m() | upper }}", "X"},
	{"{% filter upper %}abc ${{ parameters.name }}{% endfilter %}", "ABC MY-SERVICE"},
	{"{% filter replace('a', 'o') %}banana{% endfilter %}", "bonono"},
	// whitespace control
	{"a   ${{- 'b' -}}   c", "abc"},
	{"a\n  {%- if true -%}\n  b\n  {%- endif -%}\n c", "abc"},
	{"{% for t in parameters.tags -%}\n  ${{ t }}\n{%- endfor %}", "goweb" + "api"},
	{"x {#- c -#} y", "xy"},
	// Backstage filters
	{"${{ parameters.repoUrl | parseRepoUrl | dump }}", `{"host":"github.com","owner":"acme","repo":"svc"}`},
	{"${{ (parameters.repoUrl | parseRepoUrl).owner }}", "acme"},
	{"${{ (parameters.repoUrl | parseRepoUrl)['repo'] }}", "svc"},
	{"${{ parameters.repoUrl | projectSlug }}", "acme/svc"},
	{"${{ 'gitlab.com?project=42' | parseRepoUrl | dump }}", `{"host":"gitlab.com","project":"42"}`},
	{"${{ 'bitbucket.org?workspace=w&project=p&repo=r' | parseRepoUrl | dump }}", `{"host":"bitbucket.org","project":"p","repo":"r","workspace":"w"}`},
	{"${{ 'gitea.example.com?repo=r' | parseRepoUrl | dump }}", `{"host":"gitea.example.com","repo":"r"}`},
	{"${{ parameters.owner | parseEntityRef | dump }}", `{"kind":"group","name":"team-a","namespace":"default"}`},
	{"${{ ('team-b' | parseEntityRef({defaultKind: 'Group', defaultNamespace: 'ops'})).kind }}", "group"},
	{"${{ ('team-b' | parseEntityRef({defaultKind: 'Group', defaultNamespace: 'ops'})).namespace }}", "ops"},
	{"${{ 'Component:Default/x' | parseEntityRef | dump }}", `{"kind":"component","name":"x","namespace":"Default"}`},
	{"${{ parameters | pick('name') }}", "My-Service"},
	{"${{ parameters | pick('obj.b') }}", "two"},
	{"${{ parameters | pick('nope') }}|", "|"},
}

func TestRender(t *testing.T) {
	e := testEnv(Options{})
	for _, c := range renderCases {
		got, err := e.RenderString("t", c.src, testCtx())
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.src, diff)
		}
	}
}

// valueCases use typed rendering.
var valueCases = []struct {
	src  string
	want any
}{
	{"${{ parameters.name }}", "My-Service"},
	{"  ${{ parameters.count }}\n", 3},
	{"${{ parameters.price }}", 2.5},
	{"${{ parameters.float }}", 3.0},
	{"${{ parameters.enabled }}", true},
	{"${{ parameters.nothing }}", nil},
	{"${{ parameters.missing }}", nil},
	{"${{ parameters.tags }}", []any{"go", "web", "api"}},
	{"${{ parameters.typed }}", []any{"a", "b"}},
	{"${{ parameters.int64 }}", 7},
	{"${{ parameters.obj }}", map[string]any{"a": 1, "b": "two"}},
	{"${{ {a: parameters.missing, b: [parameters.missing]} }}", map[string]any{"b": []any{nil}}},
	{"${{ 'true' }}", "true"},
	{"${{ 1 + 1 }}", 2},
	{"${{ 1 / 0 }}", nil},
	{"${{ parameters.count > 2 }}", true},
	{"${{ parameters.enableCI === 'Yes' }}", false},
	{"${{ parameters.repoUrl | parseRepoUrl }}", map[string]any{"host": "github.com", "owner": "acme", "repo": "svc"}},
	{"${{ range(3) }}", []any{0, 1, 2}},
	{"${{ parameters.tags | length }}", 3},
	{"${{ range }}", nil},
	{"x ${{ parameters.count }}", "x 3"},
	{"${{ parameters.count }}${{ parameters.count }}", "33"},
	{"{% if true %}${{ parameters.count }}{% endif %}", "3"},
	{"plain", "plain"},
	{"", ""},
}

func TestRenderValue(t *testing.T) {
	e := testEnv(Options{})
	for _, c := range valueCases {
		got, err := e.RenderValue("t", c.src, testCtx())
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.src, diff)
		}
	}
}

func TestRenderValueCopies(t *testing.T) {
	ctx := testCtx()
	v, err := testEnv(Options{}).RenderValue("t", "${{ parameters.obj }}", ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.(map[string]any)["a"] = "changed"
	if got := ctx["parameters"].(map[string]any)["obj"].(map[string]any)["a"]; got != 1 {
		t.Errorf("context changed through the returned value: %v", got)
	}
}

// errorCases fail with exactly the given message.
var errorCases = []struct{ src, want string }{
	// syntax
	{"${{ parameters.name ", "t:1:1: expected end of variable }}, got end of file"},
	{"a\n${{ 1 + }}", "t:2:9: unexpected end of expression"},
	{"${{ ) }}", "t:1:5: unexpected token: )"},
	{"{% if true %}x", "t:1:15: unexpected end of file, expected endif"},
	{"{% for x in %}{% endfor %}", "t:1:13: unexpected end of block"},
	{"{% for x of y %}{% endfor %}", `t:1:10: expected "in", got "of"`},
	{"{% endif %}", "t:1:4: unexpected endif"},
	{"{% include 'x' %}", "t:1:4: unknown block tag: include"},
	{"{% if true %}{% else %}{% else %}{% endif %}", "t:1:27: unexpected else"},
	{"${{ 'abc }}", "t:1:5: unterminated string"},
	{"${{ a ? b }}", "t:1:7: unexpected character '?'"},
	{"{# never closed", "t:1:1: expected end of comment, got end of file"},
	{"{% raw %}abc", "t:1:1: expected endraw, got end of file"},
	{"${{ [1, 2 }}", `t:1:11: expected ",", got end of expression`},
	{"${{ f(a=1, 2) }}", "t:1:12: positional argument after keyword argument"},
	{"${{ x | }}", "t:1:9: expected name, got end of expression"},
	{"${{ x.[0] }}", `t:1:7: expected name after ".", got "["`},
	{"${{ () }}", "t:1:5: empty parentheses"},
	// runtime
	{"${{ parameters.name | nosuchfilter }}", "t:1:23: filter not found: nosuchfilter"},
	{"line1\n  ${{ x is nosuchtest }}", "t:2:9: test not found: nosuchtest"},
	{"${{ nosuch() }}", "t:1:11: Unable to call `nosuch`, which is undefined or falsey"},
	{"${{ parameters.name() }}", "t:1:20: Unable to call `parameters.name`, which is not a function"},
	{"${{ 'a' in 1 }}", `t:1:9: Cannot use "in" operator to search for "a" in unexpected types.`},
	{"${{ 'x' | parseRepoUrl }}", "t:1:11: InputError: No matching integration configuration for host x, please check your integrations config"},
	{"${{ 'github.com?owner=o' | parseRepoUrl }}", "t:1:28: InputError: Invalid repo URL passed to publisher: https://github.com/?owner=o, missing repo"},
	{"${{ 'github.com?repo=r' | parseRepoUrl }}", "t:1:27: InputError: Invalid repo URL passed to publisher: https://github.com/?repo=r, missing owner"},
	{"${{ 'gitlab.com?repo=r' | parseRepoUrl }}", "t:1:27: InputError: Invalid repo URL passed to publisher: https://gitlab.com/?repo=r, missing owner"},
	{"${{ 'bitbucket.org?project=p&repo=r' | parseRepoUrl }}", "t:1:40: InputError: Invalid repo URL passed to publisher: https://bitbucket.org/?project=p&repo=r, missing workspace"},
	{"${{ 'bitbucket.example.com?repo=r' | parseRepoUrl }}", "t:1:38: InputError: Invalid repo URL passed to publisher: https://bitbucket.example.com/?repo=r, missing project"},
	{"${{ 'dev.azure.com?project=p' | parseRepoUrl }}", "t:1:33: InputError: Invalid repo URL passed to publisher: https://dev.azure.com/?project=p, missing repo"},
	{"${{ 'gerrit.example.com?owner=o' | parseRepoUrl }}", "t:1:36: InputError: Invalid repo URL passed to publisher: https://gerrit.example.com/?owner=o, missing repo"},
	{"${{ 'x' | parseEntityRef }}", `t:1:11: InputError: Entity reference "x" had missing or empty kind (e.g. did not start with "component:" or similar)`},
	{"${{ [1] | batch(0) }}", "t:1:11: batch: linecount must be positive"},
	{"${{ 'x' | center(100000000) }}", "t:1:11: center: width 100000000 is too large"},
	{"${{ range(100000000) }}", "t:1:10: range() of more than 1000000 items"},
	{"{% set x = [1] %}{% for i in range(60) %}{% set x = [x, x] %}{% endfor %}${{ x }}", "t:1:74: output exceeds the limit of 1048576 bytes"},
	{"{% set x = [1] %}{% for i in range(60) %}{% set x = [x, x] %}{% endfor %}${{ x | dump }}", "t:1:82: output exceeds the limit of 1048576 bytes"},
	{"{% macro m() %}${{ m() }}{% endmacro %}${{ m() }}", "t:1:21: macro m: maximum call depth exceeded"},
	{"{% for i in range(2000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}", "t:1:44: template exceeds the limit of 1000000 evaluation steps"},
	{"{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}", "t:1:70: output exceeds the limit of 1048576 bytes"},
}

func TestErrors(t *testing.T) {
	e := testEnv(Options{MaxOutput: 1 << 20})
	for _, c := range errorCases {
		_, err := e.RenderString("t", c.src, testCtx())
		if err == nil {
			t.Errorf("%s: no error, want %q", c.src, c.want)
			continue
		}
		if diff := cmp.Diff(c.want, err.Error()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.src, diff)
		}
	}
}

func TestErrorTypes(t *testing.T) {
	e := testEnv(Options{})
	_, err := e.RenderString("t", "{% if %}", nil)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 || se.Col != 7 {
		t.Errorf("syntax error = %#v", err)
	}
	if e.Check("t", "${{ a | b(c) }}") != nil || e.Check("t", "${{ a b }}") == nil {
		t.Error("Check does not tell valid from invalid")
	}
	_, err = e.RenderString("t", "${{ 'nope' | parseRepoUrl }}", nil)
	if !problem.Is(err, problem.InputError) {
		t.Errorf("parseRepoUrl error is not an InputError: %v", err)
	}
	_, err = New(Options{MaxSteps: 10}).RenderString("t", "{% for i in range(100) %}{% endfor %}", nil)
	if !errors.Is(err, ErrLimit) {
		t.Errorf("step limit error does not wrap ErrLimit: %v", err)
	}
}
