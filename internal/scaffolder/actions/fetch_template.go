package actions

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// templater runs the templating actions with the Backstage filters.
type templater struct {
	reader  Reader
	filters map[string]nunjucks.Filter
}

// skeletonProps are the inputs fetch:template and workspace:template share.
func skeletonProps() props {
	return props{
		"targetPath": stringProp("Target Path", "Where to put the rendered files, relative to the workspace. Defaults to the workspace root."),
		"values":     valuesProp(),
		"copyWithoutTemplating": arrayProp("Copy Without Templating",
			"Glob patterns (doublestar syntax, relative to the skeleton) of files and directories whose contents are copied as they are; their paths are still rendered.",
			map[string]any{"type": "string"}),
		"cookiecutterCompat": cookiecutterProp(),
		"templateFileExtension": oneOf("Template File Extension",
			"Render only the files with this extension (true means .njk) and strip it from their names; other files are copied as they are. Cannot be combined with copyWithoutTemplating, copyWithoutRender or cookiecutterCompat.",
			map[string]any{"type": "string"}, map[string]any{"type": "boolean"}),
		"replace":      replaceProp(),
		"trimBlocks":   trimBlocksProp(),
		"lstripBlocks": lstripBlocksProp(),
	}
}

func fetchTemplate(tp *templater) *action {
	p := skeletonProps()
	p["url"] = urlProp("skeleton directory")
	p["copyWithoutRender"] = arrayProp("[Deprecated] Copy Without Render", "Use copyWithoutTemplating, which this is another name for.", map[string]any{"type": "string"})
	p["token"] = tokenProp()
	return &action{
		info: plugin.ActionInfo{
			ID: "fetch:template",
			Description: "Renders a skeleton directory into the workspace: every file and directory name, and the contents of every text file, " +
				"are templates with ${{ values.x }} expressions. Binary files and symbolic links are copied as they are, and file modes are kept.",
			SupportsDryRun: true,
			Input:          object(p, "url"),
			Examples: []plugin.ActionExample{
				{
					Description: "Render the template's skeleton into the workspace.",
					Example: `steps:
  - id: fetch-base
    name: Fetch Base
    action: fetch:template
    input:
      url: ./skeleton
      values:
        name: ${{ parameters.name }}
        owner: ${{ parameters.owner }}
`,
				},
				{
					Description: "Render only .njk files, copying the rest as they are.",
					Example: `steps:
  - id: fetch-partial
    name: Fetch partly templated files
    action: fetch:template
    input:
      url: ./skeleton
      targetPath: service
      templateFileExtension: true
      values:
        name: ${{ parameters.name }}
`,
				},
				{
					Description: "Copy GitHub workflow files without rendering their own ${{ }} expressions.",
					Example: `steps:
  - id: fetch-ci
    name: Fetch CI
    action: fetch:template
    input:
      url: ./ci
      copyWithoutTemplating:
        - .github/workflows/*
      values:
        name: ${{ parameters.name }}
`,
				},
			},
		},
		run: tp.runner("fetch:template", urlSource, (*templater).renderInto),
	}
}

// renderFunc renders a templating action's source into the workspace.
type renderFunc func(tp *templater, ctx context.Context, ac *plugin.ActionContext, in templateInput, src source, id string) error

// runner returns the run function of the templating action id: it
// decodes the input, finds the source with locate and renders it with
// render.
func (tp *templater) runner(id string, locate func(*plugin.ActionContext, templateInput) (source, error), render renderFunc) func(context.Context, *plugin.ActionContext) error {
	return func(ctx context.Context, ac *plugin.ActionContext) error {
		in, err := decodeTemplateInput(id, ac)
		if err != nil {
			return err
		}
		src, err := locate(ac, in)
		if err != nil {
			return err
		}
		return render(tp, ctx, ac, in, src, id)
	}
}

// urlSource is the source the fetch actions read: input "url".
func urlSource(ac *plugin.ActionContext, in templateInput) (source, error) {
	return resolveSource(ac, in.URL)
}

// renderInto renders the skeleton directory src into the target path.
func (tp *templater) renderInto(ctx context.Context, ac *plugin.ActionContext, in templateInput, src source, id string) error {
	o, err := in.options()
	if err != nil {
		return err
	}
	dest, target, err := targetDir(ac.Workspace, in.TargetPath)
	if err != nil {
		return err
	}
	if err := targetInsideSource(src, ac.Workspace, dest, target); err != nil {
		return err
	}
	log := logger(ac)
	log.Info("Fetching template content from " + src.String())
	t, err := loadTree(ctx, tp.reader, src)
	if err != nil {
		return err
	}
	defer t.Close()
	entries, err := plan(t, src, dest, &o, newRenderer(tp.filters, &o))
	if err != nil {
		return err
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	written, kept, err := writePlan(root, dest, entries, o.replace, log)
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	log.Info(fmt.Sprintf("Template output written to %s: %d files written, %d existing files kept", target, written, kept))
	return nil
}

// templateFileProps are the inputs fetch:template:file and
// workspace:template:file share.
func templateFileProps() props {
	return props{
		"targetPath":         stringProp("Target Path", "The rendered file's path in the workspace."),
		"values":             valuesProp(),
		"cookiecutterCompat": cookiecutterProp(),
		"replace":            replaceProp(),
		"trimBlocks":         trimBlocksProp(),
		"lstripBlocks":       lstripBlocksProp(),
	}
}

func fetchTemplateFile(tp *templater) *action {
	p := templateFileProps()
	p["url"] = urlProp("template file")
	p["token"] = tokenProp()
	return &action{
		info: plugin.ActionInfo{
			ID:             "fetch:template:file",
			Description:    "Renders one template file into the workspace.",
			SupportsDryRun: true,
			Input:          object(p, "url", "targetPath"),
			Examples: []plugin.ActionExample{{
				Description: "Render a README from the template's files.",
				Example: `steps:
  - id: fetch-readme
    name: Fetch README
    action: fetch:template:file
    input:
      url: ./files/README.md
      targetPath: README.md
      values:
        name: ${{ parameters.name }}
`,
			}},
		},
		run: tp.runner("fetch:template:file", urlSource, (*templater).renderFileInto),
	}
}

// renderFileInto renders the single template file src to the target path.
func (tp *templater) renderFileInto(ctx context.Context, ac *plugin.ActionContext, in templateInput, src source, id string) error {
	o, err := in.options()
	if err != nil {
		return err
	}
	dest, err := targetFile(ac.Workspace, in.TargetPath)
	if err != nil {
		return err
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	log := logger(ac)
	if there, err := exists(root, dest); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	} else if there && !o.replace {
		log.Info(fmt.Sprintf("File %s already exists in workspace, not replacing.", in.TargetPath))
		return nil
	}
	log.Info("Fetching template file from " + src.String())
	data, mode, err := readSource(ctx, tp.reader, src)
	if err != nil {
		return err
	}
	out, err := newRenderer(tp.filters, &o).render(src.name(""), string(data))
	if err != nil {
		return err
	}
	if err := writeFile(root, dest, []byte(out), mode); err != nil {
		return fmt.Errorf("%s: writing %s: %w", id, in.TargetPath, err)
	}
	return nil
}
