package slack

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func form(payload string) []byte {
	return []byte(url.Values{"payload": {payload}}.Encode())
}

func TestParseInteraction(t *testing.T) {
	value := ButtonValue{TaskID: "t-1", StepID: "gate"}.Encode()
	in, err := ParseInteraction(form(`{"type":"block_actions","user":{"id":"U1","username":"ada","name":"Ada"},` +
		`"response_url":"https://hooks.slack.com/actions/T/1/x","actions":[{"action_id":"callboard_reject","value":` + quote(value) + `}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Interaction{Type: "block_actions", User: User{ID: "U1", Username: "ada", Name: "Ada"}, ResponseURL: "https://hooks.slack.com/actions/T/1/x",
		Actions: []Action{{ActionID: "callboard_reject", Value: value}}}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("interaction (-want +got):\n%s", diff)
	}
	d, v, err := in.Decision()
	if err != nil || d != "reject" || v != (ButtonValue{TaskID: "t-1", StepID: "gate"}) {
		t.Errorf("Decision = %q %+v %v", d, v, err)
	}
	if in.User.DisplayName() != "Ada" || (User{ID: "U9"}).DisplayName() != "U9" {
		t.Error("DisplayName")
	}

	for _, tc := range []struct{ name, body, want string }{
		{"no payload", "x=1", "no payload"},
		{"not json", string(form("{")), "interaction payload"},
		{"other type", string(form(`{"type":"view_submission","user":{"id":"U1"},"actions":[{}]}`)), `type "view_submission"`},
		{"no user", string(form(`{"type":"block_actions","actions":[{}]}`)), "user.id"},
		{"no actions", string(form(`{"type":"block_actions","user":{"id":"U1"}}`)), "no actions"},
		{"bad form", "%zz", "not a form"},
	} {
		if _, err := ParseInteraction([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct{ name, action, value string }{
		{"unknown action", "other", value},
		{"bad value", ActionApprove, "t-1/gate"},
		{"empty value", ActionApprove, `{"taskId":"t-1"}`},
	} {
		in := &Interaction{Actions: []Action{{ActionID: tc.action, Value: tc.value}}}
		if _, _, err := in.Decision(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func FuzzParseInteraction(f *testing.F) {
	f.Add(form(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"callboard_approve","value":"{\"taskId\":\"t\",\"stepId\":\"s\"}"}]}`))
	f.Add([]byte("payload=%7B%7D"))
	f.Add([]byte("%"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ParseInteraction(body)
		if err != nil {
			return
		}
		if in.Type != "block_actions" || in.User.ID == "" || len(in.Actions) == 0 {
			t.Fatalf("accepted an incomplete interaction: %+v", in)
		}
		d, v, err := in.Decision()
		if err == nil && (d != "approve" && d != "reject" || v.TaskID == "" || v.StepID == "") {
			t.Fatalf("decision %q %+v", d, v)
		}
	})
}
