package form

import (
	"strings"
)

// ReviewItem is one value as the review step shows it.
type ReviewItem struct {
	Label string
	Value string
	// Masked is set when Value stands in for a value that is not shown.
	Masked bool
}

// secretMask stands in for a secret on the review step.
const secretMask = "******"

// Review lists the page's values for the review step, in the order of its
// fields, labelled by their titles: choices by their labels, objects
// item by item ("Parent › Child") unless ui:backstage.review.explode is
// false. Secret and password fields show a mask, as do fields with
// ui:backstage.review.mask; fields with review.show false are left out.
func (f *Form) Review(values map[string]any, choices map[string]int) []ReviewItem {
	r := newResolver(f.schema, choices)
	var out []ReviewItem
	reviewObject(r, f.schema, values, Path{}, "", &out)
	return out
}

func reviewObject(r *resolver, s Schema, v map[string]any, at Path, prefix string, out *[]ReviewItem) {
	res := r.object(s, v, at)
	props := obj(res.schema, "properties")
	for _, name := range propertyOrder(res.schema, res.order) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		ps = deref(r.root, ps)
		val, has := v[name]
		if !has || val == nil {
			continue
		}
		review := obj(obj(ps, "ui:backstage"), "review")
		if show, ok := review["show"].(bool); ok && !show {
			continue
		}
		label := str(ps, "title")
		if label == "" {
			label = name
		}
		if prefix != "" {
			label = prefix + " › " + label
		}
		if mask, ok := review["mask"].(string); ok {
			*out = append(*out, ReviewItem{Label: label, Value: mask, Masked: true})
			continue
		}
		if str(ps, "ui:field") == "Secret" || str(ps, "ui:widget") == "password" {
			*out = append(*out, ReviewItem{Label: label, Value: secretMask, Masked: true})
			continue
		}
		if m, ok := val.(map[string]any); ok && typeOf(ps) == "object" {
			if explode, ok := review["explode"].(bool); !ok || explode {
				reviewObject(r, ps, m, at.child(name), label, out)
				continue
			}
		}
		*out = append(*out, ReviewItem{Label: label, Value: reviewText(ps, val)})
	}
}

// reviewText writes a value: a choice by its label, a list of simple
// values comma-separated, booleans as Yes and No.
func reviewText(s Schema, v any) string {
	if values, labels, ok := choiceValues(s); ok {
		for i, c := range values {
			if optionValue(c) == optionValue(v) {
				return labels[i]
			}
		}
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case []any:
		items, _ := s["items"].(map[string]any)
		parts := make([]string, 0, len(x))
		for _, it := range x {
			switch it.(type) {
			case map[string]any, []any:
				return valueText(v)
			}
			parts = append(parts, reviewText(items, it))
		}
		return strings.Join(parts, ", ")
	}
	return valueText(v)
}
