package actions

import (
	"github.com/callboard/callboard/plugin"
)

func workspaceTemplate(tp *templater) *action {
	p := skeletonProps()
	p["sourcePath"] = stringProp("Source Path", "The skeleton directory in the workspace, for instance one a previous step fetched.")
	p["targetPath"] = stringProp("Target Path", "Where to put the rendered files, relative to the workspace. It must not be inside sourcePath.")
	return &action{
		info: plugin.ActionInfo{
			ID:             "workspace:template",
			Description:    "Renders a skeleton directory that is already in the workspace into another workspace directory, with the same rules as fetch:template.",
			SupportsDryRun: true,
			Input:          object(p, "sourcePath", "targetPath"),
			Examples: []plugin.ActionExample{{
				Description: "Render a skeleton an earlier step fetched without templating.",
				Example: `steps:
  - id: render
    name: Render the fetched skeleton
    action: workspace:template
    input:
      sourcePath: ./raw-skeleton
      targetPath: ./service
      values:
        name: ${{ parameters.name }}
`,
			}},
		},
		run: tp.runner("workspace:template", sourcePathSource, (*templater).renderInto),
	}
}

// sourcePathSource is the source the workspace actions read: input
// "sourcePath".
func sourcePathSource(ac *plugin.ActionContext, in templateInput) (source, error) {
	return workspaceSource(ac, in.SourcePath)
}

func workspaceTemplateFile(tp *templater) *action {
	p := templateFileProps()
	p["sourcePath"] = stringProp("Source Path", "The template file in the workspace.")
	return &action{
		info: plugin.ActionInfo{
			ID:             "workspace:template:file",
			Description:    "Renders one template file that is already in the workspace to another workspace path.",
			SupportsDryRun: true,
			Input:          object(p, "sourcePath", "targetPath"),
			Examples: []plugin.ActionExample{{
				Description: "Render a fetched README template in place of a new file.",
				Example: `steps:
  - id: render-readme
    name: Render README
    action: workspace:template:file
    input:
      sourcePath: ./templates/README.md.njk
      targetPath: ./README.md
      values:
        name: ${{ parameters.name }}
`,
			}},
		},
		run: tp.runner("workspace:template:file", sourcePathSource, (*templater).renderFileInto),
	}
}
