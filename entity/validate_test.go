package entity

import (
	"errors"
	"testing"
)

// The schemas are shared package state; validation must not write to them.
func TestValidationIsConcurrencySafe(t *testing.T) {
	done := make(chan error)
	for range 4 {
		go func() {
			for range 50 {
				d := typicalComponent()
				d["metadata"].(map[string]any)["tags"] = []any{"ok", "Not OK"}
				if _, err := EnforcePolicies(d); err == nil {
					done <- errors.New("bad tag accepted")
					return
				}
				e, err := EnforcePolicies(typicalComponent())
				if err != nil {
					done <- err
					return
				}
				delete(e.Spec, "owner")
				if _, err := ValidateKind(e); err == nil {
					done <- errors.New("missing owner accepted")
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
