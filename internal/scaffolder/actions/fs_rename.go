package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type fsRenameInput struct {
	Files []struct {
		From      string `json:"from"`
		To        string `json:"to"`
		Overwrite bool   `json:"overwrite"`
	} `json:"files"`
}

func fsRename() *action {
	item := object(props{
		"from":      stringProp("From", "The file or directory to rename, relative to the workspace."),
		"to":        stringProp("To", "The new path, relative to the workspace. Missing parent directories are created."),
		"overwrite": boolProp("Overwrite", "Replace what already exists at the new path. Without it, an existing path fails the step."),
	}, "from", "to")
	return &action{
		info: plugin.ActionInfo{
			ID:             "fs:rename",
			Description:    "Renames or moves files and directories within the workspace.",
			SupportsDryRun: true,
			Input: object(props{
				"files": arrayProp("Files", "The renames to make, in order.", item),
			}, "files"),
			Examples: []plugin.ActionExample{{
				Description: "Rename a file, replacing the target if it exists.",
				Example: `steps:
  - id: rename
    name: Rename files
    action: fs:rename
    input:
      files:
        - from: file1.txt
          to: file1renamed.txt
          overwrite: true
`,
			}},
		},
		run: runFSRename,
	}
}

func runFSRename(_ context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[fsRenameInput]("fs:rename", ac)
	if err != nil {
		return err
	}
	type move struct {
		from, to  string
		overwrite bool
	}
	moves := make([]move, len(in.Files))
	for i, f := range in.Files {
		if f.From == "" || f.To == "" {
			return problem.Input("each file must have a from and to property (input files[%d])", i)
		}
		from, err := childPath(ac.Workspace, f.From, fmt.Sprintf("input files[%d].from", i))
		if err != nil {
			return err
		}
		to, err := childPath(ac.Workspace, f.To, fmt.Sprintf("input files[%d].to", i))
		if err != nil {
			return err
		}
		if from == "." || to == "." {
			return problem.Input("input files[%d] renames the workspace itself", i)
		}
		if within(to, from) {
			return problem.Input("input files[%d] moves %q into itself (%q)", i, f.From, f.To)
		}
		moves[i] = move{from, to, f.Overwrite}
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	log := logger(ac)
	for i, m := range moves {
		if _, err := root.Lstat(m.from); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return problem.Input("input files[%d].from: %s does not exist in the workspace", i, m.from)
			}
			return fmt.Errorf("fs:rename: %w", err)
		}
		if _, err := root.Lstat(m.to); err == nil {
			if !m.overwrite {
				return problem.Conflict("input files[%d].to: %s already exists; set overwrite: true to replace it", i, m.to)
			}
			if err := root.RemoveAll(m.to); err != nil {
				return fmt.Errorf("fs:rename: replacing %s: %w", m.to, err)
			}
		}
		if err := root.MkdirAll(path.Dir(m.to), 0o755); err != nil {
			return fmt.Errorf("fs:rename: creating the directory of %s: %w", m.to, err)
		}
		if err := root.Rename(m.from, m.to); err != nil {
			return fmt.Errorf("fs:rename: renaming %s to %s: %w", m.from, m.to, err)
		}
		log.Info("File " + m.from + " renamed to " + m.to + " successfully")
	}
	return nil
}
