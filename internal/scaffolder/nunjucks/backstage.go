package nunjucks

import (
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// BackstageFilters returns the filters Backstage adds to scaffolder
// templates: parseRepoUrl, parseEntityRef, pick and projectSlug.
//
// kindOf maps a host to the kind of integration configured for it
// ("github", "gitlab", "bitbucketCloud", "bitbucketServer", "bitbucket",
// "azure", "gitea", "gerrit", ...); ok is false for a host with no
// integration. A nil kindOf accepts every host with the default (GitHub)
// rules.
func BackstageFilters(kindOf func(host string) (kind string, ok bool)) map[string]Filter {
	parse := func(v any, _ []any) (any, error) {
		m, err := parseRepoURL(v, kindOf)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	return map[string]Filter{
		"parseRepoUrl":   parse,
		"parseEntityRef": parseEntityRef,
		"pick":           pick,
		"projectSlug": func(v any, _ []any) (any, error) {
			m, err := parseRepoURL(v, kindOf)
			if err != nil {
				return nil, err
			}
			return toString(orUndefined(m, "owner")) + "/" + toString(orUndefined(m, "repo")), nil
		},
	}
}

func orUndefined(m map[string]any, k string) any {
	if v, ok := m[k]; ok {
		return v
	}
	return Undefined
}

// repoParams lists the query parameters a RepoUrlPicker value must carry
// for each integration kind.
func repoParams(kind, host string, hasProject bool) []string {
	switch kind {
	case "bitbucketCloud":
		return []string{"workspace", "project", "repo"}
	case "bitbucket":
		if host == "bitbucket.org" || host == "www.bitbucket.org" {
			return []string{"workspace", "project", "repo"}
		}
		return []string{"project", "repo"}
	case "bitbucketServer", "azure":
		return []string{"project", "repo"}
	case "gitlab":
		if hasProject {
			return nil
		}
		return []string{"owner", "repo"}
	case "gitea", "gerrit":
		return []string{"repo"}
	}
	return []string{"owner", "repo"}
}

// parseRepoURL splits a RepoUrlPicker value "host?owner=o&repo=r" into
// {host, repo, owner, organization, workspace, project}; parameters that
// are absent are left out.
func parseRepoURL(v any, kindOf func(string) (string, bool)) (map[string]any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, problem.Input("Invalid repo URL passed to publisher, got %s", toString(v))
	}
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host == "" {
		msg := "invalid URL"
		if err != nil {
			msg = err.Error()
		}
		return nil, problem.Input("Invalid repo URL passed to publisher, got %s, %s", s, msg)
	}
	host := u.Host
	kind := ""
	if kindOf != nil {
		k, ok := kindOf(host)
		if !ok {
			return nil, problem.Input("No matching integration configuration for host %s, please check your integrations config", host)
		}
		kind = k
	}
	q := u.Query()
	shown := u.String()
	if u.Path == "" {
		shown = "https://" + host + "/"
		if u.RawQuery != "" {
			shown += "?" + u.RawQuery
		}
	}
	for _, p := range repoParams(kind, host, q.Get("project") != "") {
		if q.Get(p) == "" {
			return nil, problem.Input("Invalid repo URL passed to publisher: %s, missing %s", shown, p)
		}
	}
	out := map[string]any{"host": host}
	for _, p := range []string{"repo", "owner", "organization", "workspace", "project"} {
		if q.Has(p) {
			out[p] = q.Get(p)
		}
	}
	return out, nil
}

// parseEntityRef is parseEntityRef(ref, {defaultKind, defaultNamespace}):
// {kind, namespace, name} with the kind lower-cased.
func parseEntityRef(v any, args []any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, problem.Input("Entity reference must be a string, got %s", typeName(v))
	}
	var d entity.RefDefaults
	if len(args) > 0 {
		opts, _ := norm(args[0]).(map[string]any)
		if k, ok := opts["defaultKind"].(string); ok {
			d.Kind = k
		}
		if ns, ok := opts["defaultNamespace"].(string); ok {
			d.Namespace = ns
		}
	}
	ref, err := entity.ParseRef(s, d)
	if err != nil {
		return nil, problem.Input("%s", err.Error()).WithCause(err)
	}
	return map[string]any{"kind": strings.ToLower(ref.Kind), "namespace": ref.Namespace, "name": ref.Name}, nil
}

// pick is pick(obj, "path"): the value at a (dotted) path of obj.
func pick(v any, args []any) (any, error) {
	if len(args) == 0 {
		return nil, problem.Input("pick needs a property name")
	}
	return attrOf(v, toString(args[0])), nil
}
