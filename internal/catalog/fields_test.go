package catalog

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFields(t *testing.T) {
	got, err := ParseFields([]string{"kind, metadata.name", "", "kind,,spec", " metadata.annotations.backstage.io/orphan "})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kind", "metadata.name", "spec", "metadata.annotations.backstage.io/orphan"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseFields (-want +got):\n%s", diff)
	}
	if got, err := ParseFields([]string{" , "}); err != nil || got != nil {
		t.Errorf("ParseFields of nothing = %v, %v", got, err)
	}
	_, err = ParseFields([]string{"kind", "relations[0].type"})
	checkInputError(t, err, `Invalid field "relations[0].type", array type fields are not supported`)
}

const projectEntity = `{"apiVersion":"backstage.io/v1alpha1","kind":"Component",` +
	`"metadata":{"name":"a","annotations":{"backstage.io/orphan":"true","backstage.io":{"x":1},"a.b.c":"dots"},"tags":["x"]},` +
	`"spec":{"type":"service","owner":null},"relations":[{"type":"ownedBy","targetRef":"group:default/t"}]}`

func TestProject(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{nil, projectEntity},
		{[]string{"kind"}, `{"kind":"Component"}`},
		{[]string{"metadata.name", "spec"}, `{"metadata":{"name":"a"},"spec":{"type":"service","owner":null}}`},
		{[]string{"kind", "metadata.namespace", "metadata.name"}, `{"kind":"Component","metadata":{"name":"a"}}`},
		{[]string{"metadata.annotations.backstage.io/orphan"}, `{"metadata":{"annotations":{"backstage.io/orphan":"true"}}}`},
		// "backstage.io" exists as a key, so the walk takes it.
		{[]string{"metadata.annotations.backstage.io.x"}, `{"metadata":{"annotations":{"backstage.io":{"x":1}}}}`},
		{[]string{"metadata.annotations.a.b.c"}, `{"metadata":{"annotations":{"a.b.c":"dots"}}}`},
		{[]string{"spec.owner"}, `{"spec":{"owner":null}}`},
		{[]string{"relations"}, `{"relations":[{"type":"ownedBy","targetRef":"group:default/t"}]}`},
		{[]string{"metadata.nope", "nope", "spec.type.deeper", "metadata.tags.x"}, `{}`},
		{[]string{"metadata.name", "metadata"}, `{"metadata":` + `{"name":"a","annotations":{"backstage.io/orphan":"true","backstage.io":{"x":1},"a.b.c":"dots"},"tags":["x"]}}`},
		{[]string{"metadata", "metadata.name"}, `{"metadata":` + `{"name":"a","annotations":{"backstage.io/orphan":"true","backstage.io":{"x":1},"a.b.c":"dots"},"tags":["x"]}}`},
	}
	for _, tt := range tests {
		got, err := Project([]byte(projectEntity), tt.fields)
		if err != nil {
			t.Fatalf("Project(%q): %v", tt.fields, err)
		}
		if !json.Valid(got) {
			t.Fatalf("Project(%q) is not JSON: %s", tt.fields, got)
		}
		if string(got) != tt.want {
			t.Errorf("Project(%q)\n got %s\nwant %s", tt.fields, got, tt.want)
		}
	}
	if _, err := Project([]byte(`[1]`), []string{"a"}); err == nil {
		t.Error("projecting a non-object succeeded")
	}
}
