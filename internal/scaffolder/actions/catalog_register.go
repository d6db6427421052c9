package actions

import (
	"context"
	"net/url"
	"path"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type catalogRegisterInput struct {
	CatalogInfoURL  string `json:"catalogInfoUrl"`
	RepoContentsURL string `json:"repoContentsUrl"`
	CatalogInfoPath string `json:"catalogInfoPath"`
	Optional        bool   `json:"optional"`
}

func catalogRegister(reg LocationRegistrar) *action {
	optional := boolProp("Optional", "Do not fail the step when the location cannot be registered or read, for instance because it is registered already.")
	return &action{
		info: plugin.ActionInfo{
			ID:          "catalog:register",
			Description: "Registers a catalog descriptor file (for instance the catalog-info.yaml of a repository just published) as a url location in the software catalog.",
			Input: map[string]any{
				"type": "object",
				"oneOf": []any{
					object(props{
						"catalogInfoUrl": stringProp("Catalog Info URL", "The URL of the catalog descriptor file to register, e.g. https://github.com/org/repo/blob/main/catalog-info.yaml."),
						"optional":       optional,
					}, "catalogInfoUrl"),
					object(props{
						"repoContentsUrl": stringProp("Repository Contents URL", "The browsable URL of the repository's contents, such as the repoContentsUrl output of a publish step; catalogInfoPath is resolved against it."),
						"catalogInfoPath": stringProp("Fetch URL", "The path of the descriptor file in the repository. Defaults to /catalog-info.yaml."),
						"optional":        optional,
					}, "repoContentsUrl"),
				},
			},
			Output: object(props{
				"entityRef":      stringProp("Entity reference", "The ref of the registered entity: the first Component whose name does not start with generated-, else the first entity so named, else the first entity."),
				"catalogInfoUrl": stringProp("Catalog Info URL", "The URL that was registered."),
			}, "catalogInfoUrl"),
			Examples: []plugin.ActionExample{
				{
					Description: "Register the catalog-info.yaml of the repository a publish step created.",
					Example: `steps:
  - id: register
    name: Register
    action: catalog:register
    input:
      repoContentsUrl: ${{ steps['publish'].output.repoContentsUrl }}
      catalogInfoPath: /catalog-info.yaml
`,
				},
				{
					Description: "Register a descriptor by its URL, tolerating a location that exists already.",
					Example: `steps:
  - id: register
    name: Register
    action: catalog:register
    input:
      catalogInfoUrl: https://github.com/acme/service/blob/main/catalog-info.yaml
      optional: true
`,
				},
			},
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			return runCatalogRegister(ctx, ac, reg)
		},
	}
}

func runCatalogRegister(ctx context.Context, ac *plugin.ActionContext, reg LocationRegistrar) error {
	in, err := decodeInput[catalogRegisterInput]("catalog:register", ac)
	if err != nil {
		return err
	}
	if reg == nil {
		return problem.New(problem.NotImplementedError, "catalog:register: no catalog is configured for the scaffolder")
	}
	target := in.CatalogInfoURL
	if target == "" {
		if in.RepoContentsURL == "" {
			return problem.Input("catalog:register needs input catalogInfoUrl, or repoContentsUrl and catalogInfoPath")
		}
		if target, err = resolveCatalogInfoURL(in.RepoContentsURL, in.CatalogInfoPath); err != nil {
			return err
		}
	}
	log := logger(ac)
	log.Info("Registering " + target + " in the catalog")
	// Register first; a location that exists already fails here unless the
	// step is optional. Then read it again without registering, which
	// works whether or not it existed, to learn what it holds.
	if _, err := reg.RegisterLocation(ctx, target, false); err != nil {
		if !in.Optional {
			return err
		}
		log.Warn("Registering the location failed; continuing because the step is optional", "error", err.Error())
	}
	refs, err := reg.RegisterLocation(ctx, target, true)
	if err != nil {
		if !in.Optional {
			return err
		}
		log.Warn("Reading the location failed; continuing because the step is optional", "error", err.Error())
	}
	if r, ok := chooseEntityRef(refs); ok {
		output(ac, "entityRef", r)
	}
	output(ac, "catalogInfoUrl", target)
	return nil
}

// chooseEntityRef picks the entity a template's output links to: the first
// Component not named generated-*, else the first entity not so named,
// else the first entity.
func chooseEntityRef(refs []entity.Ref) (string, bool) {
	if len(refs) == 0 {
		return "", false
	}
	pick := refs[0]
	found := false
	for _, r := range refs {
		if r.Kind == "Component" && !strings.HasPrefix(r.Name, "generated-") {
			pick, found = r, true
			break
		}
	}
	if !found {
		for _, r := range refs {
			if !strings.HasPrefix(r.Name, "generated-") {
				pick = r
				break
			}
		}
	}
	return stringifyRef(pick), true
}

// stringifyRef writes a ref as Backstage's stringifyEntityRef does: kind
// and namespace lower-cased, the name as it is.
func stringifyRef(r entity.Ref) string {
	ns := r.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(ns) + "/" + r.Name
}

// resolveCatalogInfoURL resolves catalogInfoPath (default
// /catalog-info.yaml) against a repository contents URL, which is the root
// of the repository at a branch: both "/x" and "x" name a file from there.
// Azure DevOps URLs keep the file path in their "path" query parameter.
func resolveCatalogInfoURL(repoContentsURL, infoPath string) (string, error) {
	if infoPath == "" {
		infoPath = "/catalog-info.yaml"
	}
	u, err := url.Parse(repoContentsURL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", problem.Input("input repoContentsUrl %q is not an absolute URL", repoContentsURL)
	}
	q := u.Query()
	if q.Has("path") {
		q.Set("path", path.Join("/", q.Get("path"), infoPath))
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return joinURLPath(u, infoPath), nil
}
