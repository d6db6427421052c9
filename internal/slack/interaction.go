package slack

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Interaction is the part of a block_actions payload Callboard reads.
type Interaction struct {
	Type        string   `json:"type"`
	User        User     `json:"user"`
	Actions     []Action `json:"actions"`
	ResponseURL string   `json:"response_url"`
}

// User is who pressed the button.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// Action is a pressed button.
type Action struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
}

// ParseInteraction reads an interaction request's form body: the JSON in
// its "payload" field. Only block_actions with a user and an action are
// accepted.
func ParseInteraction(body []byte) (*Interaction, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("interaction body is not a form: %w", err)
	}
	raw := form.Get("payload")
	if raw == "" {
		return nil, fmt.Errorf("interaction has no payload field")
	}
	var in Interaction
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return nil, fmt.Errorf("interaction payload: %w", err)
	}
	switch {
	case in.Type != "block_actions":
		return nil, fmt.Errorf("interaction payload: type %q, want block_actions", in.Type)
	case in.User.ID == "":
		return nil, fmt.Errorf("interaction payload: user.id is missing")
	case len(in.Actions) == 0:
		return nil, fmt.Errorf("interaction payload: no actions")
	}
	return &in, nil
}

// Decision returns the approval decision of the interaction's first
// action: approve or reject, and the step it is for.
func (in *Interaction) Decision() (decision string, v ButtonValue, err error) {
	a := in.Actions[0]
	switch a.ActionID {
	case ActionApprove:
		decision = scaffolder.DecisionApprove
	case ActionReject:
		decision = scaffolder.DecisionReject
	default:
		return "", v, fmt.Errorf("interaction payload: unknown action_id %q", a.ActionID)
	}
	v, err = ParseButtonValue(a.Value)
	return decision, v, err
}

// DisplayName is how the user is named in answers.
func (u User) DisplayName() string {
	switch {
	case u.Name != "":
		return u.Name
	case u.Username != "":
		return u.Username
	}
	return u.ID
}
