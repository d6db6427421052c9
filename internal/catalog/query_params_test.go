package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOrderParams(t *testing.T) {
	got, err := ParseOrderParams([]string{"asc:metadata.name", "desc:spec.owner:x"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Order{{Field: "metadata.name"}, {Field: "spec.owner:x", Desc: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseOrderParams (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"metadata.name", "up:x", "asc:", "ASC:x", "desc:a\nb"} {
		_, err := ParseOrderParams([]string{bad})
		checkInputError(t, err, `Invalid order parameter "`+bad+`", expected "<asc or desc>:<field name>"`)
	}
}

func TestParseOrderFieldParams(t *testing.T) {
	got, err := ParseOrderFieldParams([]string{"metadata.name", "spec.owner,desc", "kind,asc,extra"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Order{{Field: "metadata.name"}, {Field: "spec.owner", Desc: true}, {Field: "kind"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseOrderFieldParams (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"metadata.name,up", "metadata.name,", "x,DESC"} {
		_, err := ParseOrderFieldParams([]string{bad})
		checkInputError(t, err, "Invalid order field order, must be asc or desc")
	}
}

func TestParseFullTextFields(t *testing.T) {
	got := ParseFullTextFields([]string{"metadata.name, metadata.title", "", " spec.profile.displayName"})
	want := []string{"metadata.name", "metadata.title", "spec.profile.displayName"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseFullTextFields (-want +got):\n%s", diff)
	}
}
