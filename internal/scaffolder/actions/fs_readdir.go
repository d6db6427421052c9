package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

type fsReaddirInput struct {
	Paths     []string `json:"paths"`
	Recursive bool     `json:"recursive"`
}

func fsReaddir() *action {
	item := object(props{
		"name":     stringProp("Name", "The entry's file name."),
		"path":     stringProp("Path", "The entry's path relative to the workspace, starting with the path that was read."),
		"fullPath": stringProp("Full path", "The entry's absolute path on the server."),
	}, "name", "path", "fullPath")
	return &action{
		info: plugin.ActionInfo{
			ID:             "fs:readdir",
			Description:    "Lists the files and directories in workspace directories.",
			SupportsDryRun: true,
			Input: object(props{
				"paths":     arrayProp("Paths", "Directories to list, relative to the workspace.", map[string]any{"type": "string"}),
				"recursive": boolProp("Recursive", "List the directories' subdirectories too (symbolic links are not followed)."),
			}, "paths"),
			Output: object(props{
				"files":   arrayProp("Files", "The files found (symbolic links count as files).", item),
				"folders": arrayProp("Folders", "The directories found.", item),
			}, "files", "folders"),
			Examples: []plugin.ActionExample{{
				Description: "List the workspace root and everything under docs.",
				Example: `steps:
  - id: list
    name: List files
    action: fs:readdir
    input:
      paths:
        - .
        - docs
      recursive: true
`,
			}},
		},
		run: runFSReaddir,
	}
}

func runFSReaddir(_ context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[fsReaddirInput]("fs:readdir", ac)
	if err != nil {
		return err
	}
	dirs := make([]string, len(in.Paths))
	for i, p := range in.Paths {
		if dirs[i], err = childPath(ac.Workspace, p, fmt.Sprintf("input paths[%d]", i)); err != nil {
			return err
		}
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	// Outputs are JSON-like values, as expressions over them expect.
	files, folders := []any{}, []any{}
	for i, dir := range dirs {
		local := in.Paths[i]
		err := fs.WalkDir(root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == dir {
				if !d.IsDir() {
					return problem.Input("input paths[%d]: %s is not a directory", i, local)
				}
				return nil
			}
			rel := p
			if dir != "." {
				rel = p[len(dir)+1:]
			}
			it := map[string]any{
				"name":     d.Name(),
				"path":     path.Join(filepath.ToSlash(local), rel),
				"fullPath": filepath.Join(ac.Workspace, filepath.FromSlash(p)),
			}
			if d.IsDir() {
				folders = append(folders, it)
				if !in.Recursive {
					return fs.SkipDir
				}
				return nil
			}
			files = append(files, it)
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			return problem.Input("input paths[%d]: %s does not exist in the workspace", i, local)
		}
		if _, ok := problem.As(err); ok {
			return err
		}
		if err != nil {
			return fmt.Errorf("fs:readdir: %w", err)
		}
	}
	output(ac, "files", files)
	output(ac, "folders", folders)
	return nil
}
