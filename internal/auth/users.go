package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/callboard/callboard/entity"
)

// CatalogUsers is what auth reads from the catalog. Entities are stitched
// final entities, with their relations.
type CatalogUsers interface {
	// UserByRef returns the entity with that ref, or nil when there is
	// none.
	UserByRef(ctx context.Context, ref string) (*entity.Entity, error)
	// FindUsers returns the User entities whose search keys equal the given
	// values (keys such as "spec.profile.email", values compared
	// case-insensitively), at most limit of them.
	FindUsers(ctx context.Context, filter map[string]string, limit int) ([]*entity.Entity, error)
	// GroupParents returns the refs of a group's parent groups (its childOf
	// relations); nil when the group is not in the catalog.
	GroupParents(ctx context.Context, groupRef string) ([]string, error)
}

// maxGroups bounds the walk up the group tree, so a cycle or a huge
// hierarchy cannot stall a sign-in.
const maxGroups = 1000

// Ownership returns a user's ownership refs as sign-in computes them: the
// user, every group it is a member of, then their parent groups
// transitively, each once, breadth first. Pages that explain a decision
// for another user call it to see what that user would own.
func Ownership(ctx context.Context, users CatalogUsers, user *entity.Entity) ([]string, error) {
	self := user.Ref().String()
	refs := []string{self}
	seen := map[string]bool{self: true}
	var queue []string
	for _, r := range user.Relations {
		if r.Type == entity.RelationMemberOf && strings.HasPrefix(r.TargetRef, "group:") && !seen[r.TargetRef] {
			seen[r.TargetRef] = true
			refs = append(refs, r.TargetRef)
			queue = append(queue, r.TargetRef)
		}
	}
	for len(queue) > 0 && len(refs) < maxGroups {
		group := queue[0]
		queue = queue[1:]
		parents, err := users.GroupParents(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("read parents of %s: %w", group, err)
		}
		for _, p := range parents {
			if !seen[p] && strings.HasPrefix(p, "group:") {
				seen[p] = true
				refs = append(refs, p)
				queue = append(queue, p)
			}
		}
	}
	return refs, nil
}
