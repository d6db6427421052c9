package config

import "time"

// Catalog is the catalog section.
type Catalog struct {
	// Locations are registered at start-up (catalog.locations). A relative
	// file target is relative to the working directory, as in Backstage.
	Locations []Location `config:"locations"`
	// Rules say which kinds may come from which locations (catalog.rules).
	// Default when the key is absent: DefaultRules.
	Rules []Rule `config:"rules"`
	// ProcessingInterval is how often each entity is processed again
	// (catalog.processingInterval). Zero leaves the engine's default;
	// false disables reprocessing.
	ProcessingInterval Interval `config:"processingInterval"`
	// OrphanStrategy is "delete" (default) or "keep".
	OrphanStrategy string `config:"orphanStrategy,oneof=delete|keep"`
	// OrphanProviderStrategy decides the fate of entities whose provider is
	// no longer configured: "keep" (default) or "delete".
	OrphanProviderStrategy string `config:"orphanProviderStrategy,oneof=delete|keep"`
	// Readonly refuses location registration and entity deletion through
	// the API.
	Readonly bool `config:"readonly"`
	// DefaultLocationConflictStrategy is what registering an existing
	// location does by default: "reject" (default) or "refresh".
	DefaultLocationConflictStrategy string `config:"defaultLocationConflictStrategy,oneof=reject|refresh"`
	// AllowedLocationTypes are the location types the API may register.
	// Default: ["url"].
	AllowedLocationTypes []string `config:"allowedLocationTypes"`
	// StitchingStrategy is catalog.stitchingStrategy.
	StitchingStrategy StitchingStrategy `config:"stitchingStrategy"`
}

// StitchingStrategy tunes deferred stitching.
type StitchingStrategy struct {
	// PollingInterval is how often the stitch queue is polled; zero leaves
	// the engine's default.
	PollingInterval time.Duration `config:"pollingInterval"`
}

// Location is a catalog.locations entry.
type Location struct {
	Type   string `config:"type,required"`
	Target string `config:"target,required"`
	// Rules, when set, allow kinds for entities read from this location in
	// addition to the global rules.
	Rules []LocationRule `config:"rules"`
}

// LocationRule is a rule of one configured location.
type LocationRule struct {
	Allow []KindMatcher `config:"allow,required"`
}

// Rule is a catalog.rules entry: entities of the allowed kinds may come
// from the matching locations.
type Rule struct {
	Allow []KindMatcher `config:"allow,required"`
	// Locations limits the rule to matching locations: nil means any
	// location, an empty list none.
	Locations []LocationMatcher `config:"locations"`
}

// KindMatcher is an allow entry: a kind ("Component"), or an object
// {kind, spec.type} that also matches spec.type.
type KindMatcher struct {
	Kind     string
	SpecType string
}

func (k *KindMatcher) decodeConfig(d *decoder, n *node, path string) {
	switch n.kind {
	case kindString:
		*k = KindMatcher{Kind: n.text}
	case kindObject:
		obj := struct {
			Kind     string `config:"kind,required"`
			SpecType string `config:"spec.type"`
		}{}
		d.decodeStruct(n, path, reflectValue(&obj))
		*k = KindMatcher{Kind: obj.Kind, SpecType: obj.SpecType}
	default:
		d.typeError(n, path, "a kind or {kind, spec.type}")
	}
}

// LocationMatcher selects locations by type and either the exact target
// or a glob pattern over it.
type LocationMatcher struct {
	Type    string `config:"type,required"`
	Exact   string `config:"exact"`
	Pattern string `config:"pattern"`
}

func (m *LocationMatcher) checkConfig() error {
	if m.Exact != "" && m.Pattern != "" {
		return &memberError{key: "pattern", msg: "a rule location may have exact or pattern, not both"}
	}
	return nil
}

// DefaultRules are the catalog rules when catalog.rules is not set.
func DefaultRules() []Rule {
	return []Rule{{Allow: []KindMatcher{{Kind: "Component"}, {Kind: "API"}, {Kind: "Location"}}}}
}
