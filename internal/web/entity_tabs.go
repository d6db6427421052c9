package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// entityTabs lists the tabs of entity pages: Overview and Relations, the
// tabs plugins and other packages add, then History and Inspect.
func (s *site) entityTabs(extra []plugin.EntityTab) []plugin.EntityTab {
	tabs := []plugin.EntityTab{overview{s}, relationsTab{s}}
	tabs = append(tabs, extra...)
	return append(tabs, historyTab{s}, inspectTab{s})
}

var (
	_ plugin.EntityTab = overview{}
	_ plugin.EntityTab = relationsTab{}
	_ plugin.EntityTab = historyTab{}
	_ plugin.EntityTab = inspectTab{}
)

// overview is the first tab: the cards that apply to the entity.
type overview struct{ s *site }

func (overview) ID() string                    { return overviewTab }
func (overview) Title() string                 { return "Overview" }
func (overview) AppliesTo(*entity.Entity) bool { return true }

// renderedCard is one card of the overview.
type renderedCard struct {
	ID, Title string
	Body      template.HTML
	// Failed holds the message shown when the card could not render.
	Failed string
	Wide   bool
}

// wideCards span the whole overview.
var wideCards = map[string]bool{cardErrors: true, cardAbout: true}

func (t overview) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	var cards []renderedCard
	for _, c := range t.s.cards {
		if !c.AppliesTo(v.Entity) {
			continue
		}
		rc := renderedCard{ID: c.ID(), Title: c.Title(), Wide: wideCards[c.ID()]}
		body, err := c.Render(ctx, v)
		switch {
		case err != nil:
			rc.Failed = "This card could not be shown."
			if p, ok := problem.As(err); ok && problem.Status(err) < 500 {
				rc.Failed = p.Message
			} else {
				t.s.log.ErrorContext(ctx, "entity card failed", "card", c.ID(), "entity", v.Ref.String(), "error", err)
			}
		case body == "":
			continue
		}
		rc.Body = body
		cards = append(cards, rc)
	}
	return t.s.fragment("tab-overview", cards)
}

// relationsTab lists every relation of the entity with the entity at the
// other end.
type relationsTab struct{ s *site }

func (relationsTab) ID() string                    { return "relations" }
func (relationsTab) Title() string                 { return "Relations" }
func (relationsTab) AppliesTo(*entity.Entity) bool { return true }

// relationsPageSize bounds the relations one page of the tab reads.
const relationsPageSize = 200

// relationsData is the relations tab.
type relationsData struct {
	Groups []relationTable
	Total  int
	// Pager over the relations, in the order the groups list them.
	From, To         int
	PrevURL, NextURL string
}

// relationTable is the relations of one type.
type relationTable struct {
	Label string
	Type  string
	Rows  []relatedRow
}

// relatedRow is the entity at the other end of a relation.
type relatedRow struct {
	Link        refLink
	Name        string
	Kind        string
	Type        string
	Description string
	// Missing says the catalog has no such entity (or the reader may not
	// see it).
	Missing bool
}

func (t relationsTab) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	rels := sortedRelations(v.Entity.Relations)
	page := 1
	if n, err := strconv.Atoi(v.Query.Get("page")); err == nil && n > 1 {
		page = n
	}
	start := (page - 1) * relationsPageSize
	if start > len(rels) {
		return "", problem.NotFound("There is no page %d of relations.", page)
	}
	end := min(start+relationsPageSize, len(rels))
	d := relationsData{Total: len(rels), From: start + 1, To: end}
	shown := rels[start:end]
	refs := make([]string, len(shown))
	for i, r := range shown {
		refs[i] = r.TargetRef
	}
	ents, err := v.Catalog.EntitiesByRefs(ctx, refs)
	if err != nil {
		return "", err
	}
	for i, r := range shown {
		if len(d.Groups) == 0 || d.Groups[len(d.Groups)-1].Type != r.Type {
			d.Groups = append(d.Groups, relationTable{Label: relationLabel(r.Type), Type: r.Type})
		}
		row := relatedRow{Link: linkTo(r.TargetRef, "")}
		if e := ents[i]; e != nil {
			row.Name = displayName(e)
			row.Kind = e.Kind
			row.Type = specString(e, "type")
			row.Description = markdownSummary(e.Metadata.Description)
		} else {
			row.Missing = true
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, row)
	}
	if page > 1 {
		d.PrevURL = v.Path + "/relations?" + url.Values{"page": {strconv.Itoa(page - 1)}}.Encode()
	}
	if end < len(rels) {
		d.NextURL = v.Path + "/relations?" + url.Values{"page": {strconv.Itoa(page + 1)}}.Encode()
	}
	return t.s.fragment("tab-relations", d)
}

// relationOrder is the order relation types are listed in, with their
// labels; other types follow, by name.
var relationOrder = []struct{ typ, label string }{
	{entity.RelationOwnedBy, "Owned by"},
	{entity.RelationPartOf, "Part of"},
	{entity.RelationHasPart, "Has parts"},
	{entity.RelationDependsOn, "Depends on"},
	{entity.RelationDependencyOf, "Dependency of"},
	{entity.RelationProvidesAPI, "Provides APIs"},
	{entity.RelationConsumesAPI, "Consumes APIs"},
	{entity.RelationAPIProvidedBy, "API provided by"},
	{entity.RelationAPIConsumedBy, "API consumed by"},
	{entity.RelationChildOf, "Parent group"},
	{entity.RelationParentOf, "Child groups"},
	{entity.RelationMemberOf, "Member of"},
	{entity.RelationHasMember, "Members"},
	{entity.RelationOwnerOf, "Owns"},
}

func relationRank(typ string) int {
	for i, o := range relationOrder {
		if o.typ == typ {
			return i
		}
	}
	return len(relationOrder)
}

func relationLabel(typ string) string {
	for _, o := range relationOrder {
		if o.typ == typ {
			return o.label
		}
	}
	return typ
}

// sortedRelations orders relations by type (known types first), then
// target, without duplicates.
func sortedRelations(in []entity.Relation) []entity.Relation {
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b entity.Relation) int {
		if ra, rb := relationRank(a.Type), relationRank(b.Type); ra != rb {
			return ra - rb
		}
		if a.Type != b.Type {
			if a.Type < b.Type {
				return -1
			}
			return 1
		}
		switch {
		case a.TargetRef < b.TargetRef:
			return -1
		case a.TargetRef > b.TargetRef:
			return 1
		}
		return 0
	})
	return slices.Compact(out)
}

// historyTab pages through the entity's recorded changes.
type historyTab struct{ s *site }

func (historyTab) ID() string                    { return "history" }
func (historyTab) Title() string                 { return "History" }
func (historyTab) AppliesTo(*entity.Entity) bool { return true }

// historyPageSize is how many changes one page shows.
const historyPageSize = 20

// historyData is the history tab.
type historyData struct {
	Entries []historyView
	NextURL string
	// FirstURL goes back to the newest changes from a later page.
	FirstURL string
}

// historyView is one change.
type historyView struct {
	At     time.Time
	Change string
	Source source
	Ops    []patchView
	// More counts operations not listed.
	More int
}

// patchView is one operation of a change's diff.
type patchView struct {
	Op, Path, Value string
}

// maxOpsShown and maxValueShown bound how much of a diff a change shows.
const (
	maxOpsShown   = 50
	maxValueShown = 300
)

func (t historyTab) Render(ctx context.Context, v *plugin.EntityView) (template.HTML, error) {
	hc, ok := v.Catalog.(entityReader)
	if !ok {
		return "", fmt.Errorf("history tab: the page's catalog reader is not the portal's")
	}
	cursor := v.Query.Get("cursor")
	page, err := hc.cat.History(ctx, v.Ref, catalog.HistoryRequest{Limit: historyPageSize, Cursor: cursor})
	if err != nil {
		return "", err
	}
	d := historyData{}
	if page.NextCursor != "" {
		d.NextURL = v.Path + "/history?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	if cursor != "" {
		d.FirstURL = v.Path + "/history"
	}
	for _, h := range page.Items {
		hv := historyView{At: h.ChangedAt, Change: h.Change, Source: parseSource(h.Source)}
		if h.Change == catalog.HistoryUpdated {
			hv.Ops, hv.More = patchOps(h.Diff)
		}
		d.Entries = append(d.Entries, hv)
	}
	return t.s.fragment("tab-history", d)
}

// patchOps reads an RFC 6902 diff for display.
func patchOps(diff json.RawMessage) ([]patchView, int) {
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(diff, &ops); err != nil {
		return nil, 0
	}
	var out []patchView
	for i, o := range ops {
		if i == maxOpsShown {
			return out, len(ops) - i
		}
		val := string(o.Value)
		if len(val) > maxValueShown {
			val = val[:maxValueShown] + "…"
		}
		out = append(out, patchView{Op: o.Op, Path: o.Path, Value: val})
	}
	return out, 0
}

// inspectTab shows the entity as stored, in YAML and JSON.
type inspectTab struct{ s *site }

func (inspectTab) ID() string                    { return "inspect" }
func (inspectTab) Title() string                 { return "Inspect" }
func (inspectTab) AppliesTo(*entity.Entity) bool { return true }

// inspectData is the inspect tab.
type inspectData struct {
	YAML, JSON string
	Ref, UID   string
	Etag       string
	Location   source
	Origin     source
	APIURL     string
}

func (t inspectTab) Render(_ context.Context, v *plugin.EntityView) (template.HTML, error) {
	raw, err := json.Marshal(v.Entity)
	if err != nil {
		return "", fmt.Errorf("encode entity: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		return "", err
	}
	y, err := jsonToYAML(raw)
	if err != nil {
		return "", err
	}
	e := v.Entity
	d := inspectData{
		YAML: y,
		JSON: pretty.String(),
		Ref:  v.Ref.String(),
		UID:  e.Metadata.UID,
		Etag: e.Metadata.Etag,
		APIURL: "/api/catalog/entities/by-name/" + url.PathEscape(v.Ref.Kind) + "/" +
			url.PathEscape(v.Ref.Namespace) + "/" + url.PathEscape(e.Metadata.Name),
	}
	if l := e.Annotation(entity.AnnotationManagedByLocation); l != "" {
		d.Location = parseSource(l)
	}
	if l := e.Annotation(entity.AnnotationManagedByOriginLocation); l != "" {
		d.Origin = parseSource(l)
	}
	return t.s.fragment("tab-inspect", d)
}

// jsonToYAML writes a JSON document as block-style YAML, keys in their
// JSON order.
func jsonToYAML(j []byte) (string, error) {
	var n yaml.Node
	// JSON is YAML; decoding it as YAML keeps the key order.
	if err := yaml.Unmarshal(j, &n); err != nil {
		return "", fmt.Errorf("read entity as YAML: %w", err)
	}
	var plain func(*yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&n)
	out, err := yaml.Dump(&n, yaml.WithV4Defaults(), yaml.WithLineWidth(-1))
	if err != nil {
		return "", fmt.Errorf("write entity as YAML: %w", err)
	}
	return string(out), nil
}
