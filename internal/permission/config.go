package permission

// ConfigDecoder decodes the configuration value at a dotted key path into
// v, leaving v unchanged when the key is absent; *config.Config does.
type ConfigDecoder interface {
	Decode(path string, v any) error
}

// Config is the permission section of app-config.yaml.
type Config struct {
	// Enabled turns the policy on. Unset means true: Callboard is secure
	// by default, where Backstage allows everything unless
	// permission.enabled is true.
	Enabled *bool `config:"enabled"`
	// Admins are user or group refs (user:default/jane,
	// group:default/platform) whose members hold the admin permissions.
	Admins []string `config:"admins"`
	// Rules are tried in order; the first that matches decides.
	Rules []RuleConfig `config:"rules"`
}

// RuleConfig is one configured rule.
type RuleConfig struct {
	// Name identifies the rule in decisions, the audit log and errors.
	Name string `config:"name"`
	// Permission is a permission name or a glob ("catalog.*", "*").
	Permission string `config:"permission"`
	// Action, when set, must equal the permission's action.
	Action string `config:"action"`
	// ResourceType, when set, must equal the permission's resource type.
	ResourceType string `config:"resourceType"`
	// Users and Groups, when either is set, limit the rule to those users
	// and the members of those groups (through ownership refs).
	Users  []string `config:"users"`
	Groups []string `config:"groups"`
	// When is a CEL expression over user and permission that must hold.
	When string `config:"when"`
	// Decision is allow, deny or conditional.
	Decision string `config:"decision"`
	// Conditions, for a conditional decision: allOf / anyOf / not over
	// isEntityOwner, isEntityKind, hasAnnotation, hasLabel, hasSpec and
	// hasMetadata.
	Conditions any `config:"conditions"`
}

// LoadConfig reads the permission section.
func LoadConfig(dec ConfigDecoder) (Config, error) {
	var c Config
	if err := dec.Decode("permission", &c); err != nil {
		return Config{}, err
	}
	return c, nil
}
