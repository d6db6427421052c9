package actions

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/plugin"
)

type fetchPlainInput struct {
	URL        string `json:"url"`
	TargetPath string `json:"targetPath"`
}

func fetchPlain(r Reader) *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "fetch:plain",
			Description:    "Copies a directory from the template's location (or any URL a configured integration can read) into the workspace as it is, without templating.",
			SupportsDryRun: true,
			Input: object(props{
				"url":        urlProp("directory"),
				"targetPath": stringProp("Target Path", "Where to put the files, relative to the workspace. Defaults to the workspace root."),
				"token":      tokenProp(),
			}, "url"),
			Examples: []plugin.ActionExample{{
				Description: "Copy the template's static files into the workspace.",
				Example: `steps:
  - id: fetch-plain
    name: Fetch static files
    action: fetch:plain
    input:
      url: ./static
      targetPath: public
`,
			}},
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			return runFetchPlain(ctx, ac, r)
		},
	}
}

func runFetchPlain(ctx context.Context, ac *plugin.ActionContext, r Reader) error {
	in, err := decodeInput[fetchPlainInput]("fetch:plain", ac)
	if err != nil {
		return err
	}
	dest, _, err := targetDir(ac.Workspace, in.TargetPath)
	if err != nil {
		return err
	}
	src, err := resolveSource(ac, in.URL)
	if err != nil {
		return err
	}
	logger(ac).Info("Fetching plain content from " + src.String())
	t, err := loadTree(ctx, r, src)
	if err != nil {
		return err
	}
	defer t.Close()
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("fetch:plain: %w", err)
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		out := joinRel(dest, n.path)
		var err error
		switch {
		case n.dir:
			err = root.MkdirAll(out, 0o755)
		case n.link != "":
			err = writeLink(root, out, n.link)
		default:
			var data []byte
			if data, err = n.content(); err == nil {
				err = writeFile(root, out, data, n.mode)
			}
		}
		if err != nil {
			return fmt.Errorf("fetch:plain: writing %s: %w", n.path, err)
		}
	}
	return nil
}

type fetchPlainFileInput struct {
	URL        string `json:"url"`
	TargetPath string `json:"targetPath"`
}

func fetchPlainFile(r Reader) *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "fetch:plain:file",
			Description:    "Copies one file from the template's location (or any URL a configured integration can read) into the workspace as it is, without templating.",
			SupportsDryRun: true,
			Input: object(props{
				"url":        urlProp("file"),
				"targetPath": stringProp("Target Path", "The file's path in the workspace. Missing directories are created; an existing file is replaced."),
				"token":      tokenProp(),
			}, "url", "targetPath"),
			Examples: []plugin.ActionExample{{
				Description: "Copy a licence file into the workspace.",
				Example: `steps:
  - id: fetch-licence
    name: Fetch licence
    action: fetch:plain:file
    input:
      url: ./files/LICENSE
      targetPath: LICENSE
`,
			}},
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			return runFetchPlainFile(ctx, ac, r)
		},
	}
}

func runFetchPlainFile(ctx context.Context, ac *plugin.ActionContext, r Reader) error {
	in, err := decodeInput[fetchPlainFileInput]("fetch:plain:file", ac)
	if err != nil {
		return err
	}
	dest, err := targetFile(ac.Workspace, in.TargetPath)
	if err != nil {
		return err
	}
	src, err := resolveSource(ac, in.URL)
	if err != nil {
		return err
	}
	logger(ac).Info("Fetching plain content from " + src.String())
	data, mode, err := readSource(ctx, r, src)
	if err != nil {
		return err
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := writeFile(root, dest, data, mode); err != nil {
		return fmt.Errorf("fetch:plain:file: writing %s: %w", in.TargetPath, err)
	}
	return nil
}
