package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/callboard/callboard/entity"
)

// ValidateEntity runs an entity through the whole processing pipeline
// without storing anything (POST /validate-entity). locationRef must be a
// url location; it becomes the entity's managed-by-location and
// managed-by-origin-location unless the entity has them. The returned
// errors are the body of a 400 response; none means valid.
func (e *Engine) ValidateEntity(ctx context.Context, data map[string]any, locationRef string) ([]entity.SerializedError, error) {
	if err := entity.ValidateEnvelope(data); err != nil {
		return []entity.SerializedError{typeError(err)}, nil
	}
	typ, _, err := entity.ParseLocationRef(locationRef)
	if err != nil {
		return []entity.SerializedError{typeError(err)}, nil
	}
	if typ != "url" {
		return []entity.SerializedError{{Name: "TypeError", Message: fmt.Sprintf(
			"Invalid location ref %s, only 'url:<target>' is supported, e.g. url:https://host/path", locationRef)}}, nil
	}
	res := e.orch.Process(ctx, ProcessRequest{Entity: withDefaultLocation(data, locationRef)})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !res.OK {
		return res.Errors, nil
	}
	return nil, nil
}

// typeError serializes a validation error the way Backstage reports these
// checks, as a TypeError.
func typeError(err error) entity.SerializedError {
	var v *entity.ValidationError
	if errors.As(err, &v) {
		return entity.SerializedError{Name: "TypeError", Message: v.Error()}
	}
	return serializeError(err)
}

// withDefaultLocation returns a copy of data whose annotations have both
// location annotations, keeping any the entity already has.
func withDefaultLocation(data map[string]any, locationRef string) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = v
	}
	meta := map[string]any{}
	if m, ok := data["metadata"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	ann := map[string]any{
		entity.AnnotationManagedByLocation:       locationRef,
		entity.AnnotationManagedByOriginLocation: locationRef,
	}
	if a, ok := meta["annotations"].(map[string]any); ok {
		for k, v := range a {
			ann[k] = v
		}
	}
	meta["annotations"] = ann
	out["metadata"] = meta
	return out
}
