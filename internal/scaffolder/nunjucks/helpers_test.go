package nunjucks

// testCtx is the render context shared by the table tests.
func testCtx() map[string]any {
	return map[string]any{
		"parameters": map[string]any{
			"name":      "My-Service",
			"owner":     "group:default/team-a",
			"repoUrl":   "github.com?owner=acme&repo=svc",
			"enabled":   true,
			"disabled":  false,
			"count":     3,
			"price":     2.5,
			"ratio":     0.1,
			"zero":      0,
			"empty":     "",
			"nothing":   nil,
			"tags":      []any{"go", "web", "api"},
			"emptyList": []any{},
			"nums":      []any{3, 1, 2},
			"obj":       map[string]any{"a": 1, "b": "two"},
			"users": []any{
				map[string]any{"name": "ann", "age": 30, "admin": true, "team": "x"},
				map[string]any{"name": "bob", "age": 25, "admin": false, "team": "y"},
				map[string]any{"name": "Cid", "age": 35, "admin": true, "team": "x"},
			},
			"html":  `<b>hi</b> & 'you'`,
			"text":  "  hello world  ",
			"lines": "one\ntwo",
			"float": 3.0,
			"typed": []string{"a", "b"},
			"int64": int64(7),
		},
		"steps": map[string]any{
			"publish": map[string]any{"output": map[string]any{
				"remoteUrl":       "https://github.com/acme/svc",
				"repoContentsUrl": "https://github.com/acme/svc/blob/main",
			}},
			"fetch-base": map[string]any{"output": map[string]any{}},
		},
		"user":   map[string]any{"ref": "user:default/ann", "entity": map[string]any{"metadata": map[string]any{"name": "ann"}}},
		"values": map[string]any{"name": "svc", "port": 8080},
		"each":   map[string]any{"key": "0", "value": "x"},
	}
}

func testKinds(host string) (string, bool) {
	switch host {
	case "github.com", "ghe.example.com":
		return "github", true
	case "gitlab.com":
		return "gitlab", true
	case "bitbucket.org":
		return "bitbucketCloud", true
	case "bitbucket.example.com":
		return "bitbucketServer", true
	case "dev.azure.com":
		return "azure", true
	case "gitea.example.com":
		return "gitea", true
	case "gerrit.example.com":
		return "gerrit", true
	}
	return "", false
}

func testEnv(o Options) *Env {
	o.Filters = BackstageFilters(testKinds)
	o.Globals = map[string]any{
		"always":  Func(func([]any) (any, error) { return true, nil }),
		"failure": Func(func([]any) (any, error) { return false, nil }),
	}
	return New(o)
}
