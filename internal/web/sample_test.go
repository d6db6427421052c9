package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/catalog"
)

// The sample organisation of the page tests: two teams of a department,
// three people, a domain and system, components, APIs and a resource, an
// orphan with processing errors owned by a group that does not exist, and
// a description with the Markdown the pages must sanitise.

type sampleEntity struct {
	kind, name, ns string
	meta           entity.Metadata
	spec           map[string]any
	// rels are relations from this entity; their reverses are added to
	// the targets.
	rels   [][2]string
	status *entity.Status
}

func sampleEntities() []sampleEntity {
	loc := map[string]string{
		entity.AnnotationManagedByLocation:       "url:https://git.example.com/harbour/blob/main/catalog-info.yaml",
		entity.AnnotationManagedByOriginLocation: "url:https://git.example.com/harbour/blob/main/catalog-info.yaml",
	}
	return []sampleEntity{
		{kind: "Group", name: "engineering", meta: entity.Metadata{Title: "Engineering", Description: "Everyone who builds software."},
			spec: map[string]any{"type": "department", "children": []any{"harbour", "lighthouse"}},
			rels: [][2]string{{"parentOf", "group:default/harbour"}, {"parentOf", "group:default/lighthouse"}}},
		{kind: "Group", name: "harbour", meta: entity.Metadata{Title: "Harbour", Description: "Owns ticketing."},
			spec: map[string]any{"type": "team", "profile": map[string]any{"displayName": "Harbour team", "email": "harbour@example.com"}}},
		{kind: "Group", name: "lighthouse", meta: entity.Metadata{Description: "Builds the website."},
			spec: map[string]any{"type": "team"}},
		{kind: "User", name: "jane.doe", spec: map[string]any{"profile": map[string]any{"displayName": "Jane Doe", "email": "jane@example.com"}, "memberOf": []any{"harbour"}},
			rels: [][2]string{{"memberOf", "group:default/harbour"}}},
		{kind: "User", name: "omar", spec: map[string]any{"profile": map[string]any{"displayName": "Omar Haddad"}, "memberOf": []any{"harbour"}},
			rels: [][2]string{{"memberOf", "group:default/harbour"}}},
		{kind: "User", name: "ana", spec: map[string]any{"memberOf": []any{"lighthouse"}},
			rels: [][2]string{{"memberOf", "group:default/lighthouse"}}},
		{kind: "Domain", name: "bookings", spec: map[string]any{"owner": "harbour"}, rels: [][2]string{{"ownedBy", "group:default/harbour"}}},
		{kind: "System", name: "ticketing", meta: entity.Metadata{Description: "Selling tickets."},
			spec: map[string]any{"owner": "harbour", "domain": "bookings"},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}, {"partOf", "domain:default/bookings"}}},
		{kind: "Component", name: "booking-service", meta: entity.Metadata{
			Title: "Booking service",
			Description: "Takes bookings.\n\n# Runbook\n\nSee [the wiki](https://wiki.example.com/booking) or [this](javascript:alert(1)).\n\n" +
				"<script>alert('x')</script>\n\n![diagram](https://img.example.com/d.png)",
			Tags:        []string{"go", "payments"},
			Annotations: mergeMaps(loc, map[string]string{entity.AnnotationEditURL: "https://git.example.com/harbour/edit/main/catalog-info.yaml"}),
			Links: []entity.Link{
				{URL: "https://grafana.example.com/d/booking", Title: "Dashboard"},
				{URL: "javascript:alert(document.cookie)", Title: "Sneaky"},
			},
		},
			spec: map[string]any{"type": "service", "lifecycle": "production", "owner": "harbour", "system": "ticketing",
				"providesApis": []any{"booking-api"}, "consumesApis": []any{"fares-api"}, "dependsOn": []any{"resource:bookings-db"}},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}, {"partOf", "system:default/ticketing"}, {"providesApi", "api:default/booking-api"},
				{"consumesApi", "api:default/fares-api"}, {"dependsOn", "resource:default/bookings-db"}}},
		{kind: "Component", name: "fares-engine", meta: entity.Metadata{Description: "Prices crossings.", Tags: []string{"go"}, Annotations: loc},
			spec: map[string]any{"type": "service", "lifecycle": "experimental", "owner": "harbour", "system": "ticketing", "providesApis": []any{"fares-api"}},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}, {"partOf", "system:default/ticketing"}, {"providesApi", "api:default/fares-api"}}},
		{kind: "Component", name: "website", meta: entity.Metadata{Title: "Traveller website", Description: "What travellers see.", Tags: []string{"typescript"}},
			spec: map[string]any{"type": "website", "lifecycle": "production", "owner": "lighthouse", "consumesApis": []any{"booking-api"}},
			rels: [][2]string{{"ownedBy", "group:default/lighthouse"}, {"consumesApi", "api:default/booking-api"}}},
		{kind: "Component", name: "old-importer", meta: entity.Metadata{Description: "Imports schedules <the old way>.",
			Annotations: map[string]string{entity.AnnotationOrphan: "true", entity.AnnotationViewURL: "javascript:alert(1)"}},
			spec:   map[string]any{"type": "service", "lifecycle": "deprecated", "owner": "ghosts"},
			rels:   [][2]string{{"ownedBy", "group:default/ghosts"}},
			status: &entity.Status{Items: []entity.StatusItem{{Type: entity.StatusTypeProcessing, Level: "error", Message: "bad", Error: &entity.SerializedError{Name: "NotFoundError", Message: "Unable to read url, 404 Not Found"}}}}},
		{kind: "API", name: "booking-api", meta: entity.Metadata{Title: "Booking API", Description: "Make and change bookings."},
			spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "harbour", "system": "ticketing", "definition": "openapi: 3.0.0"},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}, {"partOf", "system:default/ticketing"}}},
		{kind: "API", name: "fares-api", meta: entity.Metadata{Description: "Fares by route."},
			spec: map[string]any{"type": "grpc", "lifecycle": "experimental", "owner": "harbour", "definition": "syntax = \"proto3\";"},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}}},
		{kind: "Resource", name: "bookings-db", ns: "default",
			spec: map[string]any{"type": "database", "owner": "harbour"},
			rels: [][2]string{{"ownedBy", "group:default/harbour"}}},
		{kind: "Component", name: "ferry-time", ns: "ops", meta: entity.Metadata{Description: "Another namespace."},
			spec: map[string]any{"type": "library", "lifecycle": "production", "owner": "group:default/lighthouse"},
			rels: [][2]string{{"ownedBy", "group:default/lighthouse"}}},
	}
}

func mergeMaps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// sampleCatalog builds the sample organisation's final entities: uids
// and etags from the ref, relations both ways, sorted.
func sampleCatalog() *fakeCatalog {
	list := sampleEntities()
	ents := make([]*entity.Entity, len(list))
	byRef := map[string]*entity.Entity{}
	for i, s := range list {
		e := &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: s.kind, Metadata: s.meta, Spec: s.spec, Status: s.status}
		e.Metadata.Name = s.name
		e.Metadata.Namespace = s.ns
		if e.Metadata.Namespace == "" {
			e.Metadata.Namespace = entity.DefaultNamespace
		}
		ref := e.Ref().String()
		e.Metadata.UID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		e.Metadata.Etag = fmt.Sprintf("etag-%d", i+1)
		ents[i] = e
		byRef[ref] = e
	}
	for i, s := range list {
		src := ents[i].Ref().String()
		for _, r := range s.rels {
			ents[i].Relations = append(ents[i].Relations, entity.Relation{Type: r[0], TargetRef: r[1]})
			if t, ok := byRef[r[1]]; ok {
				t.Relations = append(t.Relations, entity.Relation{Type: entity.ReverseRelation[r[0]], TargetRef: src})
			}
		}
	}
	cat := &fakeCatalog{history: map[string][]catalog.HistoryEntry{}}
	for _, e := range ents {
		slices.SortFunc(e.Relations, func(a, b entity.Relation) int {
			return strings.Compare(a.Type+" "+a.TargetRef, b.Type+" "+b.TargetRef)
		})
		b, err := json.Marshal(e)
		if err != nil {
			panic(err)
		}
		cat.entities = append(cat.entities, b)
	}
	cat.history["component:default/booking-service"] = []catalog.HistoryEntry{
		{ID: 3, EntityRef: "component:default/booking-service", ChangedAt: fixedTime, Source: "url:https://git.example.com/harbour/blob/main/catalog-info.yaml",
			Change: catalog.HistoryUpdated, Diff: json.RawMessage(`[{"op":"replace","path":"/spec/lifecycle","value":"production"},{"op":"add","path":"/metadata/tags/1","value":"payments"}]`)},
		{ID: 1, EntityRef: "component:default/booking-service", ChangedAt: fixedTime.Add(-48 * time.Hour), Source: "url:https://git.example.com/harbour/blob/main/catalog-info.yaml",
			Change: catalog.HistoryCreated, Diff: json.RawMessage(`[{"op":"add","path":"","value":{}}]`)},
	}
	return cat
}

// sampleUI is the sample organisation's stars and health.
func sampleUI() *fakeUI {
	return &fakeUI{
		stars: map[string][]string{"user:default/jane.doe": {"api:default/booking-api", "component:default/gone"}},
		recent: []catalog.HistoryEntry{
			{ID: 9, EntityRef: "component:default/booking-service", ChangedAt: fixedTime, Change: catalog.HistoryUpdated},
			{ID: 8, EntityRef: "component:default/removed-thing", ChangedAt: fixedTime.Add(-time.Minute), Change: catalog.HistoryDeleted},
			{ID: 7, EntityRef: "api:default/fares-api", ChangedAt: fixedTime.Add(-time.Hour), Change: catalog.HistoryCreated},
			{ID: 6, EntityRef: "component:default/booking-service", ChangedAt: fixedTime.Add(-2 * time.Hour), Change: catalog.HistoryCreated},
		},
		failed:     1,
		unresolved: []string{"group:default/ghosts"},
	}
}

// jane is a signed-in member of harbour.
var jane = &auth.Identity{
	Kind: auth.KindUser, UserEntityRef: "user:default/jane.doe", Via: auth.CredentialSession, CSRFToken: "csrf-jane",
	OwnershipEntityRefs: []string{"user:default/jane.doe", "group:default/harbour", "group:default/engineering"},
}
