package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/entity"
)

// refLink is a link to an entity page.
type refLink struct {
	Label, Href string
	// Ref is the canonical ref, for titles and tests.
	Ref string
}

// decodeEntity reads a final entity as the catalog stores it.
func decodeEntity(raw json.RawMessage) (*entity.Entity, error) {
	var e entity.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return &e, nil
}

// specString is a string field of spec; "" when absent or not a string.
func specString(e *entity.Entity, key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// profileField is a string of spec.profile (users and groups).
func profileField(e *entity.Entity, key string) string {
	p, _ := e.Spec["profile"].(map[string]any)
	s, _ := p[key].(string)
	return s
}

// displayName is what a page calls an entity: its title, a user's or
// group's display name, else its name.
func displayName(e *entity.Entity) string {
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	if n := profileField(e, "displayName"); n != "" {
		return n
	}
	return e.Metadata.Name
}

// humanRef writes a ref the short way Backstage does: the kind is left
// out when it is defaultKind, the namespace when it is the default one.
func humanRef(ref entity.Ref, defaultKind string) string {
	var b strings.Builder
	if !strings.EqualFold(ref.Kind, defaultKind) {
		b.WriteString(strings.ToLower(ref.Kind))
		b.WriteByte(':')
	}
	if ref.Namespace != "" && !strings.EqualFold(ref.Namespace, entity.DefaultNamespace) {
		b.WriteString(ref.Namespace)
		b.WriteByte('/')
	}
	b.WriteString(ref.Name)
	return b.String()
}

// linkTo links a canonical ref, labelled the short way.
func linkTo(ref, defaultKind string) refLink {
	r, err := entity.ParseRef(ref, entity.RefDefaults{Kind: defaultKind})
	if err != nil {
		return refLink{Label: ref, Ref: ref}
	}
	return refLink{Label: humanRef(r, defaultKind), Href: refPath(r), Ref: r.String()}
}

// specRef links a spec field holding a ref (spec.owner, spec.system ...),
// resolved as Backstage resolves it: the kind defaults to defaultKind and
// the namespace to the entity's own.
func specRef(e *entity.Entity, key, defaultKind string) (refLink, bool) {
	s := specString(e, key)
	if s == "" {
		return refLink{}, false
	}
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	r, err := entity.ParseRef(s, entity.RefDefaults{Kind: defaultKind, Namespace: ns})
	if err != nil {
		return refLink{Label: s}, true
	}
	return refLink{Label: humanRef(r, defaultKind), Href: refPath(r), Ref: r.String()}, true
}

// ownerLink is the entity's owner: its ownedBy relation, which processing
// resolved, else spec.owner as written.
func ownerLink(e *entity.Entity) (refLink, bool) {
	for _, rel := range e.Relations {
		if rel.Type == entity.RelationOwnedBy {
			return linkTo(rel.TargetRef, "group"), true
		}
	}
	return specRef(e, "owner", "group")
}

// titleCase upper-cases the first letter: "component" → "Component".
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// kindPlural names a kind's entities in a heading: "Components",
// "APIs", "Entities" for all kinds.
func kindPlural(kind string) string {
	switch strings.ToLower(kind) {
	case "":
		return "Entities"
	case "api":
		return "APIs"
	}
	k := titleCase(kind)
	if strings.HasSuffix(k, "s") {
		return k + "es"
	}
	return k + "s"
}

// kindNoun names n entities of a kind in a sentence: "1 component",
// "2 APIs", "3 entities".
func kindNoun(kind string, n int) string {
	if n != 1 {
		p := kindPlural(kind)
		if p == "APIs" {
			return p
		}
		return strings.ToLower(p)
	}
	switch strings.ToLower(kind) {
	case "":
		return "entity"
	case "api":
		return "API"
	}
	return strings.ToLower(kind)
}
