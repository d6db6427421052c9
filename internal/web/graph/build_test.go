package graph

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
)

// nodeSummary is a node as the tests compare it.
type nodeSummary struct {
	Ref     string
	Depth   int
	Via     string
	Missing bool
}

func summarize(g *Graph) []nodeSummary {
	var out []nodeSummary
	for _, n := range g.Nodes {
		s := nodeSummary{Ref: n.Ref, Depth: n.Depth, Missing: n.Missing}
		if n.ViaRef != "" {
			s.Via = n.ViaType + " of " + n.ViaRef
		}
		out = append(out, s)
	}
	return out
}

func edges(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, e.From+" -"+e.Type+"-> "+e.To)
	}
	return out
}

func TestBuild(t *testing.T) {
	const bs = "component:default/booking-service"
	for _, c := range []struct {
		name      string
		query     string
		wantNodes []nodeSummary
		wantEdges []string
	}{
		{
			name:  "depth 1, every relation, merged",
			query: "",
			wantNodes: []nodeSummary{
				{Ref: bs},
				{Ref: "api:default/payments-api", Depth: 1, Via: "consumesApi of " + bs},
				{Ref: "component:default/ops-console", Depth: 1, Via: "dependencyOf of " + bs},
				{Ref: "resource:default/bookings-db", Depth: 1, Via: "dependsOn of " + bs},
				{Ref: "resource:default/legacy-queue", Depth: 1, Via: "dependsOn of " + bs, Missing: true},
				{Ref: "group:default/team-bookings", Depth: 1, Via: "ownedBy of " + bs},
				{Ref: "system:default/ferries", Depth: 1, Via: "partOf of " + bs},
				{Ref: "api:default/booking-api", Depth: 1, Via: "providesApi of " + bs},
			},
			wantEdges: []string{
				bs + " -consumesApi-> api:default/payments-api",
				bs + " -dependsOn-> resource:default/bookings-db",
				bs + " -dependsOn-> resource:default/legacy-queue",
				bs + " -ownedBy-> group:default/team-bookings",
				bs + " -partOf-> system:default/ferries",
				bs + " -providesApi-> api:default/booking-api",
				"component:default/ops-console -dependsOn-> " + bs,
				"resource:default/bookings-db -ownedBy-> group:default/team-bookings",
				"api:default/booking-api -ownedBy-> group:default/team-bookings",
			},
		},
		{
			name:  "chosen relations, unmerged",
			query: "selectedRelations[]=dependsOn&selectedRelations[]=dependencyOf&mergeRelations=false",
			wantNodes: []nodeSummary{
				{Ref: bs},
				{Ref: "component:default/ops-console", Depth: 1, Via: "dependencyOf of " + bs},
				{Ref: "resource:default/bookings-db", Depth: 1, Via: "dependsOn of " + bs},
				{Ref: "resource:default/legacy-queue", Depth: 1, Via: "dependsOn of " + bs, Missing: true},
			},
			wantEdges: []string{
				bs + " -dependencyOf-> component:default/ops-console",
				bs + " -dependsOn-> resource:default/bookings-db",
				bs + " -dependsOn-> resource:default/legacy-queue",
				"component:default/ops-console -dependsOn-> " + bs,
				"resource:default/bookings-db -dependencyOf-> " + bs,
			},
		},
		{
			name:  "depth 2 away from the start does not fan out through the owner",
			query: "selectedRelations[]=ownedBy&selectedRelations[]=ownerOf&selectedRelations[]=hasMember&maxDepth=2",
			wantNodes: []nodeSummary{
				{Ref: bs},
				{Ref: "group:default/team-bookings", Depth: 1, Via: "ownedBy of " + bs},
				{Ref: "user:default/ana", Depth: 2, Via: "hasMember of group:default/team-bookings"},
			},
			wantEdges: []string{
				bs + " -ownedBy-> group:default/team-bookings",
				// Merged, the pair is drawn as its forward type.
				"user:default/ana -memberOf-> group:default/team-bookings",
			},
		},
		{
			name:  "both directions fan out through the owner",
			query: "selectedRelations[]=ownedBy&selectedRelations[]=ownerOf&maxDepth=2&unidirectional=false",
			wantNodes: []nodeSummary{
				{Ref: bs},
				{Ref: "group:default/team-bookings", Depth: 1, Via: "ownedBy of " + bs},
				{Ref: "api:default/booking-api", Depth: 2, Via: "ownerOf of group:default/team-bookings"},
				{Ref: "component:default/traveller-web", Depth: 2, Via: "ownerOf of group:default/team-bookings"},
				{Ref: "resource:default/bookings-db", Depth: 2, Via: "ownerOf of group:default/team-bookings"},
			},
			wantEdges: []string{
				bs + " -ownedBy-> group:default/team-bookings",
				"api:default/booking-api -ownedBy-> group:default/team-bookings",
				"component:default/traveller-web -ownedBy-> group:default/team-bookings",
				"resource:default/bookings-db -ownedBy-> group:default/team-bookings",
			},
		},
		{
			name:  "kinds",
			query: "selectedKinds[]=api&selectedKinds[]=system",
			wantNodes: []nodeSummary{
				{Ref: bs},
				{Ref: "api:default/payments-api", Depth: 1, Via: "consumesApi of " + bs},
				{Ref: "system:default/ferries", Depth: 1, Via: "partOf of " + bs},
				{Ref: "api:default/booking-api", Depth: 1, Via: "providesApi of " + bs},
			},
			wantEdges: []string{
				bs + " -consumesApi-> api:default/payments-api",
				bs + " -partOf-> system:default/ferries",
				bs + " -providesApi-> api:default/booking-api",
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			p := ParseParams(q)
			p.Roots = []string{bs}
			g, err := Build(context.Background(), harbour(t), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.wantNodes, summarize(g)); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.wantEdges, edges(g)); diff != "" {
				t.Errorf("edges (-want +got):\n%s", diff)
			}
			if g.Truncated {
				t.Error("Truncated")
			}
		})
	}
}

func TestBuildHidesWhatTheReaderMayNotSee(t *testing.T) {
	c := harbour(t)
	c.hidden["group:default/team-bookings"] = true
	p := DefaultParams()
	p.Roots = []string{"user:default/ana"}
	p.MaxDepth = Unlimited
	g, err := Build(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	// The group reads as missing, so the walk cannot go through it.
	want := []nodeSummary{
		{Ref: "user:default/ana"},
		{Ref: "group:default/team-bookings", Depth: 1, Via: "memberOf of user:default/ana", Missing: true},
	}
	if diff := cmp.Diff(want, summarize(g)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
}

func TestBuildMissingRoot(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"component:default/nowhere", "component:default/ops-console"}
	g, err := Build(context.Background(), harbour(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if n := g.Node("component:default/nowhere"); n == nil || !n.Missing || !n.Root || n.Kind != "component" || n.Name != "nowhere" {
		t.Errorf("missing root = %+v", n)
	}
	if n := g.Node("component:default/booking-service"); n == nil || n.Depth != 1 {
		t.Errorf("the second root's neighbour = %+v", n)
	}
}

// bigGroup is a catalog with one group of n members, each with a
// dependency of its own.
func bigGroup(n int) *fakeCatalog {
	c := newFakeCatalog()
	c.add("group:default/everyone", "")
	for i := range n {
		user := fmt.Sprintf("user:default/u%04d", i)
		c.add(user, "")
		c.relate(user, entity.RelationMemberOf, "group:default/everyone")
	}
	return c
}

func TestBuildStopsAtMaxNodes(t *testing.T) {
	c := bigGroup(1200)
	p := DefaultParams()
	p.Roots = []string{"group:default/everyone"}
	p.MaxDepth = Unlimited
	g, err := Build(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != MaxNodes || !g.Truncated {
		t.Errorf("nodes = %d, truncated = %v; want %d, true", len(g.Nodes), g.Truncated, MaxNodes)
	}
	// One read for the root, one for its 199 members.
	if c.reads != 2 || c.maxBatch > readChunk {
		t.Errorf("reads = %d (largest %d), want 2 of at most %d", c.reads, c.maxBatch, readChunk)
	}
}

func TestBlastRadius(t *testing.T) {
	g, err := BlastRadius(context.Background(), harbour(t), "api:default/payments-api", Unlimited)
	if err != nil {
		t.Fatal(err)
	}
	want := []nodeSummary{
		{Ref: "api:default/payments-api"},
		{Ref: "component:default/booking-service", Depth: 1, Via: "apiConsumedBy of api:default/payments-api"},
		{Ref: "component:default/ops-console", Depth: 2, Via: "dependencyOf of component:default/booking-service"},
		{Ref: "system:default/ferries", Depth: 2, Via: "partOf of component:default/booking-service"},
		{Ref: "api:default/booking-api", Depth: 2, Via: "providesApi of component:default/booking-service"},
		{Ref: "system:ops/console", Depth: 3, Via: "partOf of component:default/ops-console"},
		{Ref: "domain:default/travel", Depth: 3, Via: "partOf of system:default/ferries"},
		{Ref: "component:default/traveller-web", Depth: 3, Via: "apiConsumedBy of api:default/booking-api"},
	}
	if diff := cmp.Diff(want, summarize(g)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	g, err = BlastRadius(context.Background(), harbour(t), "api:default/payments-api", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 2 {
		t.Errorf("depth 1: %v", summarize(g))
	}
}

func TestDOTGolden(t *testing.T) {
	p := DefaultParams()
	p.Roots = []string{"component:default/booking-service"}
	p.Direction = "TB"
	g, err := Build(context.Background(), harbour(t), p)
	if err != nil {
		t.Fatal(err)
	}
	// Entity text cannot break out of a DOT string or use its escapes.
	g.Node("group:default/team-bookings").Name = `Bookings "team" \N \G`
	golden(t, "booking-service.dot", g.drawing(p.Direction, testLink).dot)
}

func testLink(ref string) string {
	r := entity.MustParseRef(ref)
	return "/catalog/" + r.Namespace + "/" + r.Kind + "/" + r.Name
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}
