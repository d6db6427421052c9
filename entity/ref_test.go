package entity

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRef(t *testing.T) {
	notOnForm := func(s string) string {
		return `Entity reference "` + s + `" was not on the form [<kind>:][<namespace>/]<name>`
	}
	missingKind := func(quoted string) string {
		return `Entity reference ` + quoted + ` had missing or empty kind (e.g. did not start with "component:" or similar)`
	}
	tests := []struct {
		in      string
		d       RefDefaults
		want    Ref
		wantErr string
	}{
		{in: "component:ns/name", want: Ref{"component", "ns", "name"}},
		{in: "Component:NS/Name", want: Ref{"Component", "NS", "Name"}},
		{in: "component:name", want: Ref{"component", "default", "name"}},
		{in: "component:name", d: RefDefaults{Namespace: "dev"}, want: Ref{"component", "dev", "name"}},
		{in: "ns/name", d: RefDefaults{Kind: "Group"}, want: Ref{"Group", "ns", "name"}},
		{in: "name", d: RefDefaults{Kind: "Group", Namespace: "dev"}, want: Ref{"Group", "dev", "name"}},
		{in: "ns/name", d: RefDefaults{Kind: "Group", Namespace: "dev"}, want: Ref{"Group", "ns", "name"}},
		{in: "kind:ns/name", d: RefDefaults{Kind: "Group", Namespace: "dev"}, want: Ref{"kind", "ns", "name"}},
		// the name takes everything after the first ':' and '/'
		{in: "a:b:c", want: Ref{"a", "default", "b:c"}},
		{in: "a:b/c/d", want: Ref{"a", "b", "c/d"}},
		{in: "a:b:c/d", want: Ref{"a", "b:c", "d"}},
		// a '/' before the ':' means there is no kind
		{in: "ns/a:b", d: RefDefaults{Kind: "API"}, want: Ref{"API", "ns", "a:b"}},
		{in: "ns/a:b", wantErr: missingKind(`"ns/a:b"`)},
		{in: "a/b/c", d: RefDefaults{Kind: "X"}, want: Ref{"X", "a", "b/c"}},
		// nothing is trimmed
		{in: " component:a ", want: Ref{" component", "default", "a "}},
		// errors
		{in: "", wantErr: "Entity reference must not be empty"},
		{in: "name", wantErr: missingKind(`"name"`)},
		{in: "admin/guest", wantErr: missingKind(`"admin/guest"`)},
		{in: "say \"hi\"\n", wantErr: missingKind(`"say \"hi\"\n"`)},
		{in: ":name", wantErr: notOnForm(":name")},
		{in: ":default/admin", wantErr: notOnForm(":default/admin")},
		{in: "user:/admin", wantErr: notOnForm("user:/admin")},
		{in: "/name", d: RefDefaults{Kind: "X"}, wantErr: notOnForm("/name")},
		{in: "component:", wantErr: notOnForm("component:")},
		{in: "component:ns/", wantErr: notOnForm("component:ns/")},
		{in: "ns/", d: RefDefaults{Kind: "X"}, wantErr: notOnForm("ns/")},
		{in: ":", wantErr: notOnForm(":")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRef(tt.in, tt.d)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if ve := (*ValidationError)(nil); err != nil && !errors.As(err, &ve) {
				t.Errorf("error is %T, want *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ref (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefString(t *testing.T) {
	tests := []struct {
		ref  Ref
		want string
	}{
		{Ref{"Component", "Default", "My-Service"}, "component:default/my-service"},
		{Ref{"Group", "", "Team"}, "group:default/team"},
		{Ref{"API", "ns", "a:b/c"}, "api:ns/a:b/c"},
	}
	for _, tt := range tests {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.ref, got, tt.want)
		}
		if got := tt.ref.Canonical().String(); got != tt.want {
			t.Errorf("%#v.Canonical().String() = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestMustParseRef(t *testing.T) {
	if got := MustParseRef("user:default/jdoe"); got != (Ref{"user", "default", "jdoe"}) {
		t.Errorf("MustParseRef = %#v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseRef did not panic on a ref without a kind")
		}
	}()
	MustParseRef("jdoe")
}

func TestEntityRef(t *testing.T) {
	e := &Entity{Kind: "Component", Metadata: Metadata{Name: "svc"}}
	if got := e.Ref(); got != (Ref{"Component", "default", "svc"}) {
		t.Errorf("Ref() = %#v", got)
	}
}
