package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// The workflow actions park their step until something happens: an
// approval, a callback, a time. They call ActionContext.Wait, which sets
// the task aside in the database; the step runs again once the wait is
// resolved and Wait returns its resolution.

type approvalInput struct {
	Approvers      []string `json:"approvers"`
	MinApprovals   int      `json:"minApprovals"`
	AllowRequester bool     `json:"allowRequester"`
	Message        string   `json:"message"`
	Timeout        string   `json:"timeout"`
	OnTimeout      string   `json:"onTimeout"`
}

func approvalRequest() *action {
	return &action{
		info: plugin.ActionInfo{
			ID: "approval:request",
			Description: "Waits for approvers (users and groups from the catalog) to approve or reject. The task waits in the " +
				"database, not in memory; approvers decide in the Approvals inbox, through the REST API or from Slack. One " +
				"rejection rejects; minApprovals approvals approve. The decision is the step's output, for later steps' if.",
			SupportsDryRun: true,
			Input: object(props{
				"approvers":      arrayProp("Approvers", "Entity refs of users and groups who may decide.", map[string]any{"type": "string"}),
				"minApprovals":   map[string]any{"type": "integer", "minimum": 1, "title": "Minimum approvals", "description": "Approvals needed (default 1)."},
				"allowRequester": boolProp("Allow requester", "Whether the task's creator may decide too (default false)."),
				"message":        stringProp("Message", "What approvers are asked."),
				"timeout":        stringProp("Timeout", "How long to wait, such as 30m, 8h or 2d; no limit by default."),
				"onTimeout":      map[string]any{"type": "string", "enum": []any{"approve", "reject"}, "title": "On timeout", "description": "The decision when the timeout passes (default reject)."},
			}, "approvers"),
			Output: object(props{
				"approved":  boolProp("Approved", "Whether the request was approved."),
				"decision":  map[string]any{"type": "string", "enum": []any{"approve", "reject", "timeout"}, "title": "Decision", "description": "approve, reject, or timeout when nobody decided in time."},
				"decidedBy": arrayProp("Decided by", "User refs of who decided.", map[string]any{"type": "string"}),
				"comment":   stringProp("Comment", "The deciders' comments."),
				"decidedAt": stringProp("Decided at", "When, as RFC 3339."),
			}),
			Examples: []plugin.ActionExample{{
				Description: "Ask the database team to approve; later steps test ${{ steps.approval.output.approved }}.",
				Example: `steps:
  - id: approval
    name: Approval
    action: approval:request
    input:
      approvers: [group:default/dba]
      message: ${{ user.ref }} asks for a ${{ parameters.size }} database
      timeout: 2d
`,
			}},
		},
		run: runApprovalRequest,
	}
}

func runApprovalRequest(ctx context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[approvalInput]("approval:request", ac)
	if err != nil {
		return err
	}
	if len(in.Approvers) == 0 {
		return problem.Input("input approvers must name at least one user or group")
	}
	onTimeout := in.OnTimeout
	if onTimeout == "" {
		onTimeout = "reject"
	}
	w := plugin.Wait{Kind: plugin.WaitApproval, Approval: &plugin.ApprovalWait{
		Approvers: in.Approvers, MinApprovals: max(in.MinApprovals, 1), AllowRequester: in.AllowRequester, Message: in.Message,
	}}
	if in.Timeout != "" {
		d, err := parseWaitDuration(in.Timeout)
		if err != nil {
			return problem.Input("input timeout: %v", err)
		}
		w.Until = now(ac).Add(d)
	}
	res, err := ac.Wait(ctx, w)
	if err != nil {
		return err
	}
	if res.TimedOut {
		ac.Logger.Info("the approval timed out; its decision is " + onTimeout)
		ac.Output("approved", onTimeout == "approve")
		ac.Output("decision", "timeout")
		ac.Output("decidedBy", []any{})
		ac.Output("comment", "timed out")
		ac.Output("decidedAt", res.At.UTC().Format(time.RFC3339))
		return nil
	}
	decision, _ := res.Payload["decision"].(string)
	ac.Output("approved", decision == "approve")
	ac.Output("decision", decision)
	by, _ := res.Payload["decidedBy"].([]any)
	if by == nil {
		by = []any{}
	}
	ac.Output("decidedBy", by)
	comment, _ := res.Payload["comment"].(string)
	ac.Output("comment", comment)
	at, _ := res.Payload["decidedAt"].(string)
	ac.Output("decidedAt", at)
	ac.Logger.Info(fmt.Sprintf("decision: %s by %v", decision, by))
	return nil
}

type callbackInput struct {
	Timeout string `json:"timeout"`
	Notify  *struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	} `json:"notify"`
}

func waitCallback() *action {
	return &action{
		info: plugin.ActionInfo{
			ID: "wait:callback",
			Description: "Waits for an external system to POST a JSON object to a one-time signed URL; that object is the " +
				"step's output. With notify, the URL is sent to a system once. The step fails when the timeout passes first.",
			SupportsDryRun: true,
			Input: object(props{
				"timeout": stringProp("Timeout", "How long to wait, such as 30m or 2d; no limit by default."),
				"notify": map[string]any{"type": "object", "title": "Notify", "description": "POSTs {callbackUrl, taskId, stepId} to url once.",
					"properties": map[string]any{
						"url":     map[string]any{"type": "string", "description": "Where to POST the callback URL."},
						"headers": map[string]any{"type": "object", "description": "Headers sent with it.", "additionalProperties": map[string]any{"type": "string"}},
					}, "required": []any{"url"}},
			}),
			Output: map[string]any{"type": "object", "description": "The posted JSON object, and callbackUrl."},
			Examples: []plugin.ActionExample{{
				Description: "Ask a provisioning system to call back when it is done.",
				Example: `steps:
  - id: provisioned
    action: wait:callback
    input:
      timeout: 1h
      notify:
        url: https://provisioner.example.com/jobs
`,
			}},
		},
		run: runWaitCallback,
	}
}

func runWaitCallback(ctx context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[callbackInput]("wait:callback", ac)
	if err != nil {
		return err
	}
	url := ""
	if ac.CallbackURL != nil {
		url = ac.CallbackURL()
	}
	w := plugin.Wait{Kind: plugin.WaitCallback}
	if in.Timeout != "" {
		d, err := parseWaitDuration(in.Timeout)
		if err != nil {
			return problem.Input("input timeout: %v", err)
		}
		w.Until = now(ac).Add(d)
	}
	if in.Notify != nil && !ac.DryRun {
		_, err := ac.Checkpoint("notify", func() (any, error) {
			return nil, notifyCallback(ctx, in.Notify.URL, in.Notify.Headers, map[string]any{
				"callbackUrl": url, "taskId": ac.TaskID, "stepId": ac.StepID,
			})
		})
		if err != nil {
			return err
		}
	}
	res, err := ac.Wait(ctx, w)
	if err != nil {
		return err
	}
	if res.TimedOut {
		return fmt.Errorf("no callback came before the timeout of %s", in.Timeout)
	}
	for k, v := range res.Payload {
		ac.Output(k, v)
	}
	ac.Output("callbackUrl", url)
	return nil
}

// notifyCallback posts the callback URL to the system that will call it.
func notifyCallback(ctx context.Context, url string, headers map[string]string, body map[string]any) error {
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return problem.Input("input notify.url: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("notify %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("notify %s: HTTP %d", req.URL.Host, resp.StatusCode)
	}
	return nil
}

type sleepInput struct {
	Duration string `json:"duration"`
	Until    string `json:"until"`
}

func flowSleep() *action {
	return &action{
		info: plugin.ActionInfo{
			ID: "flow:sleep",
			Description: "Waits for a duration or until a time. The task waits in the database, so the sleep survives " +
				"restarts and takes no worker.",
			SupportsDryRun: true,
			Input: object(props{
				"duration": stringProp("Duration", "How long, such as 90s, 2h or 1d."),
				"until":    stringProp("Until", "When to wake, as RFC 3339 (2026-12-01T09:00:00Z)."),
			}),
			Output: object(props{"sleptUntil": stringProp("Slept until", "When the sleep ended, as RFC 3339.")}),
			Examples: []plugin.ActionExample{{
				Description: "Wait a day before the reminder.",
				Example: `steps:
  - id: later
    action: flow:sleep
    input:
      duration: 1d
`,
			}},
		},
		run: runFlowSleep,
	}
}

func runFlowSleep(ctx context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[sleepInput]("flow:sleep", ac)
	if err != nil {
		return err
	}
	var until time.Time
	switch {
	case in.Duration != "" && in.Until != "":
		return problem.Input("input duration and until cannot both be set")
	case in.Duration != "":
		d, err := parseWaitDuration(in.Duration)
		if err != nil {
			return problem.Input("input duration: %v", err)
		}
		until = now(ac).Add(d)
	case in.Until != "":
		until, err = time.Parse(time.RFC3339, in.Until)
		if err != nil {
			return problem.Input("input until: %q is not an RFC 3339 time such as 2026-12-01T09:00:00Z", in.Until)
		}
	default:
		return problem.Input("input duration or until is required")
	}
	res, err := ac.Wait(ctx, plugin.Wait{Kind: plugin.WaitSleep, Until: until})
	if err != nil {
		return err
	}
	ac.Output("sleptUntil", res.At.UTC().Format(time.RFC3339))
	return nil
}

// parseWaitDuration reads 90s, 2h30m or 3d.
func parseWaitDuration(s string) (time.Duration, error) { return plugin.ParseDuration(s) }

// now is the scaffolder's clock when it gives one.
func now(ac *plugin.ActionContext) time.Time {
	if ac.Now != nil {
		return ac.Now()
	}
	return time.Now()
}
