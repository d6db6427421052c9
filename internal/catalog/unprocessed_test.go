package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// fakeUnprocessedStore records the query it got and returns rows.
type fakeUnprocessedStore struct {
	got  UnprocessedQuery
	rows []UnprocessedRow
	err  error
}

func (f *fakeUnprocessedStore) UnprocessedEntities(_ context.Context, q UnprocessedQuery) ([]UnprocessedRow, error) {
	f.got = q
	return f.rows, f.err
}

type fakeDeleter struct{ uids []string }

func (f *fakeDeleter) DeleteByUID(_ context.Context, uid string) error {
	f.uids = append(f.uids, uid)
	return nil
}

func TestUnprocessedListLimits(t *testing.T) {
	tests := []struct {
		name      string
		q         UnprocessedQuery
		wantLimit int
		wantErr   string
	}{
		{"default", UnprocessedQuery{Reason: UnprocessedFailed}, DefaultUnprocessedLimit, ""},
		{"given", UnprocessedQuery{Reason: UnprocessedPending, Limit: 5}, 5, ""},
		{"lowered to the maximum", UnprocessedQuery{Reason: UnprocessedPending, Limit: MaxUnprocessedLimit + 1}, MaxUnprocessedLimit, ""},
		{"negative", UnprocessedQuery{Reason: UnprocessedPending, Limit: -1}, 0, "InputError: Invalid limit -1, must be positive"},
		{"unknown list", UnprocessedQuery{Reason: "stuck"}, 0, `InputError: Unknown unprocessed entity list "stuck", expected pending or failed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &fakeUnprocessedStore{}
			_, err := NewUnprocessed(st, &fakeDeleter{}).List(context.Background(), tt.q)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !problem.Is(err, problem.InputError) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.got.Limit != tt.wantLimit {
				t.Errorf("limit = %d, want %d", st.got.Limit, tt.wantLimit)
			}
		})
	}
}

func TestUnprocessedListEntries(t *testing.T) {
	at := time.UnixMilli(1700000000000).UTC()
	st := &fakeUnprocessedStore{rows: []UnprocessedRow{
		{
			EntityID: "u1", EntityRef: "component:default/a", UnprocessedEntity: `{"kind":"Component"}`, UnprocessedHash: "h",
			Errors:      `[{"name":"InputError","message":"bad","cause":{"name":"Error","message":"why"}}]`,
			LocationKey: "file:/c.yaml", NextUpdateAt: at, LastDiscoveryAt: at,
		},
		{EntityID: "u2", EntityRef: "component:default/b", UnprocessedEntity: `{}`, ProcessedEntity: `{"kind":"Component"}`, Errors: ``},
		{EntityID: "u3", EntityRef: "component:default/c", UnprocessedEntity: `{}`, Errors: `null`},
	}}
	got, err := NewUnprocessed(st, &fakeDeleter{}).List(context.Background(), UnprocessedQuery{Reason: UnprocessedFailed, Owner: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	want := []UnprocessedEntry{
		{
			EntityID: "u1", EntityRef: "component:default/a", UnprocessedEntity: json.RawMessage(`{"kind":"Component"}`), UnprocessedHash: "h",
			Errors:      []entity.SerializedError{{Name: "InputError", Message: "bad", Cause: &entity.SerializedError{Name: "Error", Message: "why"}}},
			LocationKey: "file:/c.yaml", NextUpdateAt: at, LastDiscoveryAt: at,
		},
		{EntityID: "u2", EntityRef: "component:default/b", UnprocessedEntity: json.RawMessage(`{}`), ProcessedEntity: json.RawMessage(`{"kind":"Component"}`), Errors: []entity.SerializedError{}},
		{EntityID: "u3", EntityRef: "component:default/c", UnprocessedEntity: json.RawMessage(`{}`), Errors: []entity.SerializedError{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if st.got.Owner != "team-a" || st.got.Reason != UnprocessedFailed {
		t.Errorf("store got %+v", st.got)
	}
}

func TestUnprocessedListCorruptRows(t *testing.T) {
	for _, row := range []UnprocessedRow{
		{EntityRef: "component:default/a", UnprocessedEntity: `{`},
		{EntityRef: "component:default/a", UnprocessedEntity: `{}`, ProcessedEntity: `nope`},
		{EntityRef: "component:default/a", UnprocessedEntity: `{}`, Errors: `{"name":"x"}`},
	} {
		st := &fakeUnprocessedStore{rows: []UnprocessedRow{row}}
		if _, err := NewUnprocessed(st, &fakeDeleter{}).List(context.Background(), UnprocessedQuery{Reason: UnprocessedPending}); err == nil {
			t.Errorf("%+v: no error", row)
		}
	}
}

func TestUnprocessedListStoreError(t *testing.T) {
	boom := errors.New("boom")
	st := &fakeUnprocessedStore{err: boom}
	_, err := NewUnprocessed(st, &fakeDeleter{}).List(context.Background(), UnprocessedQuery{Reason: UnprocessedPending})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
}

func TestUnprocessedDelete(t *testing.T) {
	d := &fakeDeleter{}
	u := NewUnprocessed(&fakeUnprocessedStore{}, d)
	if err := u.Delete(context.Background(), "uid-1"); err != nil {
		t.Fatal(err)
	}
	if err := u.Delete(context.Background(), ""); !problem.Is(err, problem.InputError) {
		t.Errorf("empty id: err = %v, want an InputError", err)
	}
	if diff := cmp.Diff([]string{"uid-1"}, d.uids); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
}

func TestPermissionsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Permissions() {
		if seen[p.Name] {
			t.Errorf("%s listed twice", p.Name)
		}
		seen[p.Name] = true
		if (p.Type == "resource") != (p.ResourceType != "") {
			t.Errorf("%s: type %s with resource type %q", p.Name, p.Type, p.ResourceType)
		}
	}
	for _, name := range []string{PermissionEntityRead, PermissionUnprocessedRead, PermissionUnprocessedDelete} {
		if !seen[name] {
			t.Errorf("%s not listed", name)
		}
	}
}
