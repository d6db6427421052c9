package config

import (
	"path/filepath"
	"testing"
)

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string // rendering of the override tree, or "error: ..."
	}{
		{"none", []string{"HOME=/root", "APP_CONFIGX=1"}, "<absent>"},
		{"string", []string{"APP_CONFIG_backend_baseUrl=http://x:7007"}, `{"backend":{"baseUrl":"http://x:7007"}}`},
		{"json number", []string{"APP_CONFIG_backend_listen_port=8080"}, `{"backend":{"listen":{"port":8080}}}`},
		{"json bool", []string{"APP_CONFIG_catalog_readonly=true"}, `{"catalog":{"readonly":true}}`},
		{"json string", []string{`APP_CONFIG_app_title="42"`}, `{"app":{"title":"42"}}`},
		{"json object keeps key order", []string{`APP_CONFIG_catalog={"z":1,"a":[1,"x"]}`}, `{"catalog":{"z":1,"a":[1,"x"]}}`},
		{"not json", []string{"APP_CONFIG_app_title=yes: no"}, `{"app":{"title":"yes: no"}}`},
		{"empty is skipped", []string{"APP_CONFIG_app_title="}, "<absent>"},
		{"value is not trimmed", []string{"APP_CONFIG_app_title= padded "}, `{"app":{"title":" padded "}}`},
		{"siblings", []string{"APP_CONFIG_a_b=1", "APP_CONFIG_a_c=2"}, `{"a":{"b":1,"c":2}}`},
		{"dash in key", []string{"APP_CONFIG_proxy_my-api=x"}, `{"proxy":{"my-api":"x"}}`},
		{"null", []string{"APP_CONFIG_a=null"}, `error: config from environment: Failed to parse JSON-serialized config value for key 'a', value may not be null`},
		{"override after object", []string{`APP_CONFIG_a_b={"c":1}`, "APP_CONFIG_a_b_c=2"}, `error: config from environment: Refusing to override existing config at key 'a_b_c'`},
		{"names are applied in sorted order", []string{"APP_CONFIG_a_b_c=2", `APP_CONFIG_a_b={"c":1}`}, `error: config from environment: Refusing to override existing config at key 'a_b_c'`},
		{"nest under scalar", []string{"APP_CONFIG_a=1", "APP_CONFIG_a_b=2"}, `error: config from environment: Could not nest config for key 'a_b' under existing value 'a'`},
		{"invalid key", []string{"APP_CONFIG_a__b=1"}, `error: config from environment: Invalid env config key 'a__b'`},
		{"invalid first character", []string{"APP_CONFIG_1a=1"}, `error: config from environment: Invalid env config key '1a'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mapEnv(environMap(tt.environ))
			n, err := envOverrides(overrideNames(tt.environ), env)
			var got string
			if err != nil {
				got = "error: " + err.Error()
			} else {
				got = renderJSON(t, n)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEnvOverridesWinOverFiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app-config.yaml")
	writeFile(t, file, "backend:\n  baseUrl: http://file:7007\n  listen: ':7007'\ncatalog:\n  locations:\n    - {type: file, target: a.yaml}\n")
	cfg, warnings, err := LoadEnviron([]string{file}, []string{
		"APP_CONFIG_backend_baseUrl=https://env.example.com",
		"APP_CONFIG_catalog_locations=[]",
		"APP_CONFIG_backend_listen_port=9000",
		"APP_CONFIG_app_support_url=https://help.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Backend.BaseURL != "https://env.example.com" {
		t.Errorf("baseUrl = %q", cfg.Backend.BaseURL)
	}
	if len(cfg.Catalog.Locations) != 0 {
		t.Errorf("locations = %v, want the env list to replace the file's", cfg.Catalog.Locations)
	}
	// An object from the environment replaces the string from the file.
	if got := cfg.ListenAddr(); got != ":9000" {
		t.Errorf("ListenAddr = %q, want :9000", got)
	}
	want := `$APP_CONFIG_app_support_url: unknown key "app.support.url" is ignored`
	if len(warnings) != 1 || warnings[0].String() != want {
		t.Errorf("warnings = %v, want [%s]", warningStrings(warnings), want)
	}
}

func TestEnvOverrideTypeError(t *testing.T) {
	_, _, err := LoadEnviron(nil, []string{"APP_CONFIG_catalog_readonly=sometimes"})
	want := `$APP_CONFIG_catalog_readonly: catalog.readonly: expected a boolean, got "sometimes"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func environMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		for i := range len(kv) {
			if kv[i] == '=' {
				m[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return m
}
