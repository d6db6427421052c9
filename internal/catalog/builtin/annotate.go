package builtin

import (
	"context"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog/builtin/scmurl"
	"github.com/callboard/callboard/plugin"
)

// AnnotateLocationProcessor is Backstage's AnnotateLocationEntityProcessor:
// an entity read from a url location gets backstage.io/view-url (the file's
// URL), backstage.io/source-location ("url:" and the file's folder, ending
// in "/") and, for github.com and gitlab.com files not pinned to a commit,
// backstage.io/edit-url. Annotations the entity already has are kept.
type AnnotateLocationProcessor struct{}

var (
	_ plugin.PreProcessor           = (*AnnotateLocationProcessor)(nil)
	_ plugin.DeterministicProcessor = (*AnnotateLocationProcessor)(nil)
)

// Name returns Backstage's name for the processor.
func (*AnnotateLocationProcessor) Name() string { return "AnnotateLocationEntityProcessor" }

// Fingerprint is empty: the processor has no configuration.
func (*AnnotateLocationProcessor) Fingerprint() string { return "" }

// PreProcessEntity adds the missing annotations, copying what it changes.
func (*AnnotateLocationProcessor) PreProcessEntity(_ context.Context, data map[string]any, loc plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
	if loc.Type != "url" {
		return data, nil
	}
	meta, ok := data["metadata"].(map[string]any)
	if !ok {
		return data, nil
	}
	ann, ok := meta["annotations"].(map[string]any)
	if !ok && meta["annotations"] != nil {
		return data, nil // not an object: validation reports it
	}
	add := map[string]string{entity.AnnotationViewURL: loc.Target}
	if edit := scmurl.EditURL(loc.Target); edit != "" {
		add[entity.AnnotationEditURL] = edit
	}
	if dir, err := scmurl.Resolve("./", loc.Target); err == nil {
		add[entity.AnnotationSourceLocation] = "url:" + dir
	}
	var out map[string]any
	for k, v := range add {
		if _, exists := ann[k]; exists {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(ann)+len(add))
			for k2, v2 := range ann {
				out[k2] = v2
			}
		}
		out[k] = v
	}
	if out == nil {
		return data, nil
	}
	m := make(map[string]any, len(meta))
	for k, v := range meta {
		m[k] = v
	}
	m["annotations"] = out
	d := make(map[string]any, len(data))
	for k, v := range data {
		d[k] = v
	}
	d["metadata"] = m
	return d, nil
}
