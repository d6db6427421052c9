package actions

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type debugLogInput struct {
	Message       string `json:"message"`
	ListWorkspace any    `json:"listWorkspace"`
}

func debugLog() *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "debug:log",
			Description:    "Writes a message to the task log, and optionally lists the workspace's files.",
			SupportsDryRun: true,
			Input: object(props{
				"message": stringProp("Message to output.", "The message to write to the log."),
				"listWorkspace": oneOf("List all files in the workspace", "true or \"with-filenames\" lists the workspace's files; \"with-contents\" lists them with their contents.",
					map[string]any{"type": "boolean"},
					enum("with-filenames", "with-contents")),
			}),
			Examples: []plugin.ActionExample{
				{
					Description: "Write a message to the log.",
					Example: `steps:
  - id: log
    name: Log message
    action: debug:log
    input:
      message: Hello, ${{ parameters.name }}!
`,
				},
				{
					Description: "List the workspace's files with their contents.",
					Example: `steps:
  - id: list
    name: List workspace
    action: debug:log
    input:
      listWorkspace: with-contents
`,
				},
			},
		},
		run: runDebugLog,
	}
}

func runDebugLog(_ context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[debugLogInput]("debug:log", ac)
	if err != nil {
		return err
	}
	var list, contents bool
	switch v := in.ListWorkspace.(type) {
	case nil:
	case bool:
		list = v
	case string:
		switch v {
		case "with-filenames":
			list = true
		case "with-contents":
			list, contents = true, true
		default:
			return problem.Input(`input listWorkspace must be true, false, "with-filenames" or "with-contents", not %q`, v)
		}
	default:
		return problem.Input(`input listWorkspace must be true, false, "with-filenames" or "with-contents"`)
	}
	log := logger(ac)
	if in.Message != "" {
		log.Info(in.Message)
	}
	if !list {
		return nil
	}
	listing, err := listWorkspace(ac.Workspace, contents)
	if err != nil {
		return err
	}
	log.Info("Workspace:\n" + listing)
	return nil
}

// listWorkspace lists the workspace's files (not directories) in lexical
// order, one "  - path" line each, followed by the content when asked.
func listWorkspace(workspace string, contents bool) (string, error) {
	root, err := openWorkspace(workspace)
	if err != nil {
		return "", err
	}
	defer root.Close()
	var b strings.Builder
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  - " + p)
		if contents && d.Type().IsRegular() {
			data, err := root.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(":\n\n" + string(data))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("debug:log: listing the workspace: %w", err)
	}
	return b.String(), nil
}
