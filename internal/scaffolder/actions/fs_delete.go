package actions

import (
	"context"
	"fmt"
	"slices"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type fsDeleteInput struct {
	Files []string `json:"files"`
}

func fsDelete() *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "fs:delete",
			Description:    "Deletes files and directories, named by glob patterns, from the workspace.",
			SupportsDryRun: true,
			Input: object(props{
				"files": arrayProp("Files", "Paths or glob patterns (doublestar syntax, dot files included) relative to the workspace. A matched directory is deleted with its contents.", map[string]any{"type": "string"}),
			}, "files"),
			Examples: []plugin.ActionExample{{
				Description: "Delete a file and every log file.",
				Example: `steps:
  - id: clean
    name: Clean up
    action: fs:delete
    input:
      files:
        - README.template.md
        - '**/*.log'
`,
			}},
		},
		run: runFSDelete,
	}
}

func runFSDelete(_ context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[fsDeleteInput]("fs:delete", ac)
	if err != nil {
		return err
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	// Resolve every pattern before deleting anything, so a bad one fails
	// the step with the workspace untouched.
	var matches []string
	for i, f := range in.Files {
		what := fmt.Sprintf("input files[%d]", i)
		pattern, err := childPath(ac.Workspace, f, what)
		if err != nil {
			return err
		}
		if pattern == "." {
			return problem.Input("%s is %q, which names the whole workspace", what, f)
		}
		if !doublestar.ValidatePattern(pattern) {
			return problem.Input("%s is %q, which is not a valid glob pattern", what, f)
		}
		found, err := doublestar.Glob(root.FS(), pattern, doublestar.WithNoFollow())
		if err != nil {
			return fmt.Errorf("fs:delete: %s: %w", what, err)
		}
		matches = append(matches, found...)
	}
	// Delete parents before their children, and each path once.
	slices.Sort(matches)
	matches = slices.Compact(matches)
	log := logger(ac)
	var done []string
	for _, m := range matches {
		if len(done) > 0 && within(m, done[len(done)-1]) {
			continue
		}
		if err := root.RemoveAll(m); err != nil {
			return fmt.Errorf("fs:delete: deleting %s: %w", m, err)
		}
		done = append(done, m)
		log.Info("File " + m + " deleted successfully")
	}
	return nil
}
