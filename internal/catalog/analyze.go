package catalog

import (
	"context"
	"net/url"
	"path"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog/builtin/scmurl"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// Analyze answers POST /analyze-location. When the target is a catalog
// file the location readers can read, its entities are listed as existing
// entity files, each saying whether registered reports the location as
// registered already. Otherwise one Component is suggested, named after
// the repository, with the "<host>/project-slug" annotation for github.com,
// gitlab.com, bitbucket.org and dev.azure.com. A target that is not a URL
// is an InputError.
func (o *Orchestrator) Analyze(ctx context.Context, req AnalyzeRequest, registered func(LocationInput) bool) (*AnalyzeResult, error) {
	target := strings.TrimSpace(req.Location.Target)
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return nil, problem.Input("The given location.target is not a URL")
	}
	if files := o.existingFiles(ctx, target, registered); len(files) > 0 {
		return &AnalyzeResult{ExistingEntityFiles: files, GenerateEntities: []GeneratedEntity{}}, nil
	}
	return &AnalyzeResult{
		ExistingEntityFiles: []ExistingEntityFile{},
		GenerateEntities:    []GeneratedEntity{{Entity: suggestComponent(u), Fields: []AnalyzeFieldHint{}}},
	}, nil
}

// existingFiles reads target when it names a YAML file and returns its
// entities; a target that cannot be read has none.
func (o *Orchestrator) existingFiles(ctx context.Context, target string, registered func(LocationInput) bool) []ExistingEntityFile {
	u, _ := url.Parse(target)
	if ext := strings.ToLower(path.Ext(u.Path)); ext != ".yaml" && ext != ".yml" {
		return nil
	}
	loc := plugin.Location{Type: "url", Target: target}
	var got analyzeEmitter
	cache := newCacheSet(nil, 0)
	for _, s := range o.readers {
		ok, err := s.p.ReadLocation(ctx, loc, false, &got, cache.forKey(s.name))
		if err != nil {
			got.failed = true
		}
		if err != nil || ok {
			break
		}
	}
	if got.failed {
		return nil
	}
	in := LocationInput{Type: "url", Target: target}
	isRegistered := registered != nil && registered(in)
	var out []ExistingEntityFile
	for _, raw := range got.entities {
		e, err := entity.FromMap(raw.Data)
		if err != nil {
			continue
		}
		out = append(out, ExistingEntityFile{
			Location:     LocationInput{Type: "url", Target: raw.Location.Target},
			IsRegistered: isRegistered,
			Entity:       e,
		})
	}
	return out
}

// analyzeEmitter collects what a location reader found.
type analyzeEmitter struct {
	entities []plugin.RawEntity
	failed   bool
}

func (a *analyzeEmitter) Entity(e plugin.RawEntity)    { a.entities = append(a.entities, e) }
func (a *analyzeEmitter) Relation(plugin.RelationEdge) {}
func (a *analyzeEmitter) Error(error, plugin.Location) { a.failed = true }
func (a *analyzeEmitter) RefreshKey(string)            {}

// projectSlugHosts maps the hosts with a project-slug annotation to its
// prefix.
var projectSlugHosts = map[string]string{
	"github.com":    "github.com",
	"gitlab.com":    "gitlab.com",
	"bitbucket.org": "bitbucket.org",
	"dev.azure.com": "dev.azure.com",
}

// suggestComponent is the Component Backstage's RepoLocationAnalyzer
// proposes for a repository URL.
func suggestComponent(u *url.URL) map[string]any {
	owner, name := repoOf(u)
	meta := map[string]any{"name": name}
	if prefix, ok := projectSlugHosts[strings.ToLower(u.Hostname())]; ok && owner != "" {
		meta["annotations"] = map[string]any{prefix + "/project-slug": owner + "/" + name}
	}
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata":   meta,
		"spec":       map[string]any{"type": "other", "lifecycle": "unknown"},
	}
}

// repoOf finds the owner and repository name in a repository or file URL.
func repoOf(u *url.URL) (owner, name string) {
	if g, ok := scmurl.ParseGit(u.String()); ok {
		return g.Owner, g.Name
	}
	var segs []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	// Azure DevOps: /<organisation>/<project>/_git/<repository>
	if len(segs) >= 4 && segs[2] == "_git" {
		return segs[1], segs[3]
	}
	switch len(segs) {
	case 0:
		return "", strings.Split(u.Hostname(), ".")[0]
	case 1:
		return "", strings.TrimSuffix(segs[0], ".git")
	}
	return segs[0], strings.TrimSuffix(segs[1], ".git")
}
