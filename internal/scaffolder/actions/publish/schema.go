package publish

// The builders below write JSON Schemas as decoded JSON (map[string]any,
// []any, float64), the shape ActionInfo carries.

type props map[string]any

func object(required []string, p props) map[string]any {
	s := map[string]any{"type": "object", "properties": map[string]any(p)}
	if len(required) > 0 {
		req := make([]any, len(required))
		for i, r := range required {
			req[i] = r
		}
		s["required"] = req
	}
	return s
}

func typed(typ, title, desc string) map[string]any {
	s := map[string]any{"type": typ, "title": title}
	if desc != "" {
		s["description"] = desc
	}
	return s
}

func str(title, desc string) map[string]any     { return typed("string", title, desc) }
func boolean(title, desc string) map[string]any { return typed("boolean", title, desc) }
func integer(title, desc string) map[string]any { return typed("integer", title, desc) }
func anyObject(title, desc string) map[string]any {
	return typed("object", title, desc)
}

func enum(title, desc string, vals ...string) map[string]any {
	s := str(title, desc)
	e := make([]any, len(vals))
	for i, v := range vals {
		e[i] = v
	}
	s["enum"] = e
	return s
}

func strList(title, desc string) map[string]any {
	s := typed("array", title, desc)
	s["items"] = map[string]any{"type": "string"}
	return s
}

func list(title, desc string, items map[string]any) map[string]any {
	s := typed("array", title, desc)
	s["items"] = items
	return s
}

// Inputs several actions share.
var (
	repoURLInput    = str("Repository Location", "Accepts the format 'host?owner=owner&repo=repo' (RepoUrlPicker)")
	tokenInput      = str("Authentication Token", "The token to use for authorization; the integration's token when not given")
	sourcePathInput = str("Source Path",
		"Path within the workspace that is used as the repository root. The whole workspace when not given")
	commitMessageInput = str("Git Commit Message", "The message of the initial commit; scaffolder.defaultCommitMessage when not given")
	authorNameInput    = str("Author Name", "The name of the commit author; scaffolder.defaultAuthor.name when not given")
	authorEmailInput   = str("Author Email", "The email of the commit author; scaffolder.defaultAuthor.email when not given")
	remoteURLOutput    = str("Remote URL", "The URL of the repository")
	contentsURLOutput  = str("Repository Contents URL", "A URL to the root of the repository's default branch")
	commitHashOutput   = str("Commit Hash", "The hash of the commit pushed")
)
