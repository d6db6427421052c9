package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// BenchmarkAuthorizationOverhead measures what the permission check adds
// to a catalog read before any SQL runs: the decision, the conditions
// turned into a filter and the restricted view, for a user with 21
// ownership refs. Run with:
//
//	go test ./internal/httpapi -run '^$' -bench AuthorizationOverhead
func BenchmarkAuthorizationOverhead(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	query := catalog.NewQuery(store.NewCatalogReader(db), catalog.QueryOptions{})
	id := &auth.Identity{Kind: auth.KindUser, UserEntityRef: "user:default/bench"}
	id.OwnershipEntityRefs = append(id.OwnershipEntityRefs, id.UserEntityRef)
	for i := range 20 {
		id.OwnershipEntityRefs = append(id.OwnershipEntityRefs, fmt.Sprintf("group:default/team-%d", i))
	}
	req := httptest.NewRequest("GET", "/api/catalog/entities/by-query", nil)
	req = req.WithContext(auth.WithIdentity(req.Context(), id))
	for _, bc := range []struct {
		name   string
		policy string
	}{
		{"no policy", ""},
		{"default allow", "permission: {}"},
		{"conditional owner, 10 rules before", benchPolicyYAML()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := &server{reader: query, perms: knownPermissions()}
			if bc.policy != "" {
				s.authz = testPolicy(b, bc.policy, query)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.entityReader(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchPolicyYAML() string {
	src := "permission:\n  rules:\n"
	for i := range 10 {
		src += fmt.Sprintf("    - {name: r%d, permission: \"scaffolder.*\", groups: [other-%d], decision: deny}\n", i, i)
	}
	return src + "    - {name: owners, permission: catalog.entity.read, decision: conditional, conditions: {isEntityOwner: {}}}\n"
}
