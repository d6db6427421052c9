package slack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Action ids of the approval buttons.
const (
	ActionApprove = "callboard_approve"
	ActionReject  = "callboard_reject"
)

// Message is a Slack message: the fallback text and its Block Kit blocks.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
	// ResponseType and ReplaceOriginal are for answers to interactions.
	ResponseType    string `json:"response_type,omitempty"`
	ReplaceOriginal bool   `json:"replace_original,omitempty"`
}

// Block is one Block Kit block: a section or an actions block.
type Block struct {
	Type     string    `json:"type"`
	BlockID  string    `json:"block_id,omitempty"`
	Text     *Text     `json:"text,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Element is a button.
type Element struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text"`
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Style    string `json:"style,omitempty"`
}

// ButtonValue is what an approval button carries back: which step of
// which task it decides.
type ButtonValue struct {
	TaskID    string `json:"taskId"`
	StepID    string `json:"stepId"`
	Iteration string `json:"iteration,omitempty"`
}

// Encode writes v as a button value.
func (v ButtonValue) Encode() string {
	b, _ := json.Marshal(v) // two strings always encode
	return string(b)
}

// ParseButtonValue reads a button value written by Encode.
func ParseButtonValue(s string) (ButtonValue, error) {
	var v ButtonValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, fmt.Errorf("button value: %w", err)
	}
	if v.TaskID == "" || v.StepID == "" {
		return v, fmt.Errorf("button value: taskId and stepId are required")
	}
	return v, nil
}

// TaskURL is the task's page in the portal.
func TaskURL(baseURL, taskID string) string {
	return strings.TrimSuffix(baseURL, "/") + "/create/tasks/" + url.PathEscape(taskID)
}

// ApprovalMessage is the message asking approvers to decide a.
func ApprovalMessage(a scaffolder.Approval, baseURL string) Message {
	msg := a.Message
	if msg == "" {
		msg = "Approval requested for step " + stepLabel(a)
	}
	lines := []string{"*" + escape(msg) + "*"}
	if a.TemplateRef != "" {
		lines = append(lines, "*Template:* "+escape(a.TemplateRef))
	}
	lines = append(lines, "*Step:* "+escape(stepLabel(a)))
	if a.Requester != "" {
		lines = append(lines, "*Requested by:* "+escape(a.Requester))
	}
	if a.MinApprovals > 1 {
		lines = append(lines, fmt.Sprintf("*Approvals needed:* %d", a.MinApprovals))
	}
	lines = append(lines, "<"+TaskURL(baseURL, a.TaskID)+"|Open the task>")
	value := ButtonValue{TaskID: a.TaskID, StepID: a.StepID, Iteration: a.Iteration}.Encode()
	return Message{
		Text: msg,
		Blocks: []Block{
			{Type: "section", Text: &Text{Type: "mrkdwn", Text: strings.Join(lines, "\n")}},
			{Type: "actions", BlockID: "callboard_approval", Elements: []Element{
				{Type: "button", Text: &Text{Type: "plain_text", Text: "Approve"}, ActionID: ActionApprove, Value: value, Style: "primary"},
				{Type: "button", Text: &Text{Type: "plain_text", Text: "Reject"}, ActionID: ActionReject, Value: value, Style: "danger"},
			}},
		},
	}
}

// stepLabel names the step: its name, else its id.
func stepLabel(a scaffolder.Approval) string {
	if a.StepName != "" {
		return a.StepName
	}
	return a.StepID
}

// escape makes text safe in mrkdwn, where &, < and > start entities and
// links.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
