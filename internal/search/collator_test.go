package search_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/search"
)

// fakeCatalog serves entities from memory, in the order given.
type fakeCatalog struct {
	entities []*entity.Entity
	batches  int
}

func (c *fakeCatalog) Entities(ctx context.Context, f search.EntityFilter, size int, fn func([]*entity.Entity) error) error {
	var batch []*entity.Entity
	for _, e := range c.entities {
		if f.Kind != "" && !strings.EqualFold(e.Kind, f.Kind) || f.Annotation != "" && e.Annotation(f.Annotation) == "" {
			continue
		}
		batch = append(batch, e)
		if len(batch) == size {
			c.batches++
			if err := fn(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		c.batches++
		return fn(batch)
	}
	return nil
}

func (c *fakeCatalog) EntitiesByRefs(ctx context.Context, refs []string) ([]*entity.Entity, error) {
	var out []*entity.Entity
	for _, e := range c.entities {
		if slices.Contains(refs, e.Ref().String()) {
			out = append(out, e)
		}
	}
	return out, nil
}

// fakeSites serves site indexes by ref.
type fakeSites map[string][]search.SitePage

func (s fakeSites) SitePages(ctx context.Context, ref entity.Ref) ([]search.SitePage, bool, error) {
	p, ok := s[ref.String()]
	return p, ok, nil
}

func mustEntity(t *testing.T, y string) *entity.Entity {
	t.Helper()
	var e entity.Entity
	if err := json.Unmarshal([]byte(y), &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func fields(t *testing.T, d search.Document) map[string]any {
	t.Helper()
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCatalogCollator(t *testing.T) {
	comp := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments-api","title":"Payments API","description":"Takes payments","tags":["go","grpc"]},
		"spec":{"type":"service","lifecycle":"production","owner":"group:default/Team-A"},"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}`)
	user := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"User","metadata":{"name":"jane","namespace":"people"},
		"spec":{"profile":{"displayName":"Jane Doe","email":"jane@example.com"}}}`)
	c := &search.CatalogCollator{Catalog: &fakeCatalog{entities: []*entity.Entity{comp, user}}}
	var got []search.Document
	if err := c.Collate(context.Background(), func(ds []search.Document) error { got = append(got, ds...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d documents", len(got))
	}
	want := map[string]any{
		"title": "Payments API", "text": "Takes payments", "location": "/catalog/default/Component/payments-api",
		"componentType": "service", "type": "service", "namespace": "default", "kind": "Component",
		"lifecycle": "production", "owner": "group:default/Team-A",
	}
	if diff := cmp.Diff(want, fields(t, got[0])); diff != "" {
		t.Errorf("component document (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(search.Auth{ResourceRef: "component:default/payments-api", Kind: "component", Owners: []string{"group:default/team-a"}}, got[0].Auth); diff != "" {
		t.Errorf("auth (-want +got):\n%s", diff)
	}
	if got[0].Name != "payments-api" || got[0].Group != "component:default/payments-api" || !slices.Equal(got[0].Tags, []string{"go", "grpc"}) {
		t.Errorf("index fields: %+v", got[0])
	}
	want = map[string]any{
		"title": "jane", "text": " : Jane Doe : jane@example.com", "location": "/catalog/people/User/jane",
		"componentType": "other", "type": "other", "namespace": "people", "kind": "User", "lifecycle": "", "owner": "",
	}
	if diff := cmp.Diff(want, fields(t, got[1])); diff != "" {
		t.Errorf("user document (-want +got):\n%s", diff)
	}
	c.LocationTemplate = "/entities/:kind/:name"
	if d := c.Document(comp); d.Location != "/entities/Component/payments-api" {
		t.Errorf("location template: %s", d.Location)
	}
	docs, err := c.Refresh(context.Background(), []string{"user:people/jane", "component:default/gone"})
	if err != nil || len(docs) != 1 || docs[0].ID != "user:people/jane" {
		t.Errorf("Refresh = %v, %v", docs, err)
	}
}

func TestCollateInBatches(t *testing.T) {
	cat := &fakeCatalog{}
	for i := range search.CollateBatch*2 + 1 {
		cat.entities = append(cat.entities, &entity.Entity{Kind: "Component", Metadata: entity.Metadata{Name: "c" + strings.Repeat("x", i%7) + string(rune('a'+i%26))}})
	}
	n, calls := 0, 0
	err := (&search.CatalogCollator{Catalog: cat}).Collate(context.Background(), func(ds []search.Document) error {
		calls++
		n += len(ds)
		if len(ds) > search.CollateBatch {
			t.Errorf("a batch of %d", len(ds))
		}
		return nil
	})
	if err != nil || n != search.CollateBatch*2+1 || calls != 3 {
		t.Errorf("%d documents in %d batches, %v", n, calls, err)
	}
}

func TestTemplateCollator(t *testing.T) {
	tmpl := mustEntity(t, `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"go-service","title":"Go service","description":"A Go service","tags":["go","recommended"]},
		"spec":{"type":"service","owner":"group:default/platform"},"relations":[{"type":"ownedBy","targetRef":"group:default/platform"}]}`)
	comp := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"x"},"spec":{}}`)
	c := &search.TemplateCollator{Catalog: &fakeCatalog{entities: []*entity.Entity{tmpl, comp}}}
	var got []search.Document
	if err := c.Collate(context.Background(), func(ds []search.Document) error { got = append(got, ds...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d documents", len(got))
	}
	want := map[string]any{
		"title": "Go service", "text": "A Go service", "location": "/create/templates/default/go-service",
		"tags": []any{"go", "recommended"}, "type": "service", "owner": "group:default/platform",
		"namespace": "default", "kind": "Template", "name": "go-service",
	}
	if diff := cmp.Diff(want, fields(t, got[0])); diff != "" {
		t.Errorf("template document (-want +got):\n%s", diff)
	}
	docs, err := c.Refresh(context.Background(), []string{"template:default/go-service", "component:default/x"})
	if err != nil || len(docs) != 1 {
		t.Errorf("Refresh = %v, %v", docs, err)
	}
}

func TestTechDocsCollator(t *testing.T) {
	withDocs := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"Payments","title":"Payments service",
		"annotations":{"backstage.io/techdocs-ref":"dir:."}},"spec":{"type":"service","lifecycle":"production","owner":"team-a"},
		"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}`)
	noSite := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"nosite","annotations":{"backstage.io/techdocs-ref":"dir:."}},"spec":{}}`)
	noDocs := mustEntity(t, `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"plain"},"spec":{}}`)
	sites := fakeSites{"component:default/payments": {
		{Location: "", Title: "Payments", Text: "Welcome"},
		{Location: "guides/setup/", Title: "Setup", Text: "Install it"},
		{Location: "guides/setup/", Title: "Setup again", Text: "Same location"},
	}}
	c := &search.TechDocsCollator{Catalog: &fakeCatalog{entities: []*entity.Entity{withDocs, noSite, noDocs}}, Sites: sites}
	var got []search.Document
	if err := c.Collate(context.Background(), func(ds []search.Document) error { got = append(got, ds...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d documents", len(got))
	}
	want := map[string]any{
		"title": "Setup", "text": "Install it", "location": "/docs/default/component/payments/guides/setup/",
		"path": "guides/setup/", "kind": "component", "namespace": "default", "name": "payments",
		"entityTitle": "Payments service", "componentType": "service", "type": "service", "lifecycle": "production", "owner": "team-a",
	}
	if diff := cmp.Diff(want, fields(t, got[1])); diff != "" {
		t.Errorf("page document (-want +got):\n%s", diff)
	}
	if got[1].ID == got[2].ID || got[1].Group != "component:default/payments" || !got[1].LongText || got[1].Auth.ResourceRef != "component:default/payments" {
		t.Errorf("ids, group, auth: %+v / %+v", got[1], got[2])
	}
	c.LegacyCasing = true
	docs, err := c.Refresh(context.Background(), []string{"component:default/payments", "component:default/plain"})
	if err != nil || len(docs) != 3 || docs[0].Location != "/docs/default/Component/Payments/" {
		t.Errorf("Refresh = %v, %v", docs, err)
	}
}
