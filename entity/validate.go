package entity

import (
	"encoding/json"
	"fmt"
)

// This file is a placeholder: the validation rules are being written.

// ValidateEnvelope checks the envelope before processing.
func ValidateEnvelope(data map[string]any) error { return nil }

// EnforcePolicies applies Backstage's default entity policies and returns
// the typed entity.
func EnforcePolicies(data map[string]any) (*Entity, error) { return FromMap(data) }

// ValidateKind validates a built-in kind; ok=false means the kind or
// apiVersion is not a built-in one.
func ValidateKind(e *Entity) (ok bool, err error) { return true, nil }

// FromMap converts a decoded document into an Entity.
func FromMap(data map[string]any) (*Entity, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var e Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return &e, nil
}
