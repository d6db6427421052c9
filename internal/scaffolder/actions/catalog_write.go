package actions

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"

	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/plugin"
)

// sourceTemplateAnnotation names the template an entity was made from.
const sourceTemplateAnnotation = "backstage.io/source-template"

type catalogWriteInput struct {
	FilePath string         `json:"filePath"`
	Entity   map[string]any `json:"entity"`
}

func catalogWrite() *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "catalog:write",
			Description:    "Writes a catalog descriptor file (YAML) into the workspace, annotated with the template it came from (backstage.io/source-template).",
			SupportsDryRun: true,
			Input: object(props{
				"filePath": stringProp("Catalog file path", "Where to write the file, relative to the workspace. Defaults to catalog-info.yaml."),
				"entity":   objectProp("Entity info to write catalog-info.yaml", "The entity to write: apiVersion, kind, metadata, spec."),
			}, "entity"),
			Examples: []plugin.ActionExample{{
				Description: "Write a Component's catalog-info.yaml.",
				Example: `steps:
  - id: write
    name: Write catalog file
    action: catalog:write
    input:
      filePath: catalog-info.yaml
      entity:
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: ${{ parameters.name }}
        spec:
          type: service
          lifecycle: production
          owner: ${{ parameters.owner }}
`,
			}},
		},
		run: runCatalogWrite,
	}
}

func runCatalogWrite(_ context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[catalogWriteInput]("catalog:write", ac)
	if err != nil {
		return err
	}
	file := in.FilePath
	if file == "" {
		file = "catalog-info.yaml"
	}
	rel, err := childPath(ac.Workspace, file, `input "filePath"`)
	if err != nil {
		return err
	}
	out, err := entityYAML(in.Entity, ac.Template.EntityRef)
	if err != nil {
		return fmt.Errorf("catalog:write: %w", err)
	}
	root, err := openWorkspace(ac.Workspace)
	if err != nil {
		return err
	}
	defer root.Close()
	logger(ac).Info("Writing " + file)
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return fmt.Errorf("catalog:write: %w", err)
	}
	if err := root.WriteFile(rel, out, 0o644); err != nil {
		return fmt.Errorf("catalog:write: %w", err)
	}
	return nil
}

// entityYAML encodes e as YAML with the source-template annotation added
// (when the template is known), keys in the order people write them.
func entityYAML(e map[string]any, templateRef string) ([]byte, error) {
	e = shallowCopy(e)
	if templateRef != "" {
		meta, _ := e["metadata"].(map[string]any)
		meta = shallowCopy(meta)
		ann, _ := meta["annotations"].(map[string]any)
		ann = shallowCopy(ann)
		ann[sourceTemplateAnnotation] = templateRef
		meta["annotations"] = ann
		e["metadata"] = meta
	}
	var doc yaml.Node
	if err := doc.Encode(e); err != nil {
		return nil, err
	}
	orderKeys(&doc, "apiVersion", "kind", "metadata", "spec")
	if meta := mappingValue(&doc, "metadata"); meta != nil {
		orderKeys(meta, "name", "namespace", "title", "description")
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func shallowCopy(m map[string]any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// orderKeys moves the given keys of a mapping node to the front, in that
// order; the others keep their (sorted) order after them.
func orderKeys(n *yaml.Node, first ...string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
	}
	rank := func(p pair) int {
		if i := slices.Index(first, p.k.Value); i >= 0 {
			return i
		}
		return len(first)
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a) - rank(b) })
	n.Content = n.Content[:0]
	for _, p := range pairs {
		n.Content = append(n.Content, p.k, p.v)
	}
}

// mappingValue returns the value node of key in a mapping node.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
