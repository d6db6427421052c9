package permission_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/permission"
)

// benchPolicy has ten rules ahead of the one that decides, half of them
// with CEL, so a decision walks the whole list.
func benchPolicy(b *testing.B) *permission.Policy {
	var src strings.Builder
	src.WriteString("admins: [group:default/admins]\nrules:\n")
	for i := range 10 {
		fmt.Fprintf(&src, "  - {name: r%d, permission: \"scaffolder.*\", groups: [team-%d], decision: deny}\n", i, i)
		fmt.Fprintf(&src, "  - {name: c%d, permission: \"catalog.*\", when: 'user.ref == \"user:default/x%d\" && permission.action == \"read\"', decision: deny}\n", i, i)
	}
	src.WriteString("  - {name: owners, permission: catalog.entity.read, groups: [team-a], decision: conditional, conditions: {anyOf: [{isEntityOwner: {}}, {isEntityKind: {kinds: [Group, User]}}]}}\n")
	return policyFrom(b, src.String(), nil)
}

func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	read := perm(b, "catalog.entity.read")
	create := perm(b, "catalog.location.create")
	for _, bc := range []struct {
		name   string
		policy *permission.Policy
		user   permission.User
		perm   permission.Permission
	}{
		{"default", policyFrom(b, "", nil), jane, read},
		{"21 rules, conditional", benchPolicy(b), jane, read},
		{"21 rules, default", benchPolicy(b), bob, create},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.policy.Decide(ctx, bc.user, bc.perm, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
