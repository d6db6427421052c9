package publish

import (
	"context"

	gh "github.com/google/go-github/v92/github"

	"github.com/callboard/callboard/plugin"
)

type githubDispatchInput struct {
	RepoURL                  string         `json:"repoUrl"`
	WorkflowID               string         `json:"workflowId"`
	BranchOrTagName          string         `json:"branchOrTagName"`
	WorkflowInputs           map[string]any `json:"workflowInputs"`
	ReturnWorkflowRunDetails bool           `json:"returnWorkflowRunDetails"`
	Token                    string         `json:"token"`
}

// githubActionsDispatch starts a GitHub Actions workflow run.
func (e *env) githubActionsDispatch() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "github:actions:dispatch",
			Description: "Dispatches a GitHub Action workflow for a given branch or tag.",
			Examples: []plugin.ActionExample{{
				Description: "Run the deploy workflow on main.",
				Example: `steps:
  - id: dispatch
    action: github:actions:dispatch
    name: Deploy
    input:
      repoUrl: github.com?owner=acme&repo=payments
      workflowId: deploy.yaml
      branchOrTagName: main
      workflowInputs:
        environment: staging
`,
			}},
			Input: object([]string{"repoUrl", "workflowId", "branchOrTagName"}, props{
				"repoUrl":         repoURLInput,
				"workflowId":      str("Workflow ID", "The workflow's id or file name"),
				"branchOrTagName": str("Branch or Tag name", "The git branch or tag to run the workflow on"),
				"workflowInputs":  anyObject("Workflow Inputs", "Inputs keys and values to send to the workflow"),
				"returnWorkflowRunDetails": boolean("Return Workflow Run Details",
					"Ask GitHub for the run's id and URLs and set them as outputs"),
				"token": tokenInput,
			}),
			Output: object(nil, props{
				"workflowRunId":      typed("number", "Workflow Run ID", ""),
				"workflowRunUrl":     str("Workflow Run API URL", ""),
				"workflowRunHtmlUrl": str("Workflow Run URL", ""),
			}),
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			var in githubDispatchInput
			if err := decodeInput(ac.Input, &in); err != nil {
				return err
			}
			g, err := e.githubRepoFor(in.RepoURL, in.Token)
			if err != nil {
				return err
			}
			req := gh.CreateWorkflowDispatchEventRequest{Ref: in.BranchOrTagName, Inputs: in.WorkflowInputs}
			if in.ReturnWorkflowRunDetails {
				req.ReturnRunDetails = new(true)
			}
			run, resp, err := g.client.Actions.CreateWorkflowDispatchEventByFileName(ctx, g.owner, g.name, in.WorkflowID, req)
			if err != nil {
				return ghError("dispatch workflow "+in.WorkflowID, resp, err)
			}
			logger(ac).Info("dispatched the workflow", "workflow", in.WorkflowID, "ref", in.BranchOrTagName)
			if run != nil && run.WorkflowRunID != nil {
				output(ac, "workflowRunId", run.GetWorkflowRunID())
				output(ac, "workflowRunUrl", run.GetRunURL())
				output(ac, "workflowRunHtmlUrl", run.GetHTMLURL())
			}
			return nil
		},
	}
}

type githubWebhookInput struct {
	RepoURL       string   `json:"repoUrl"`
	WebhookURL    string   `json:"webhookUrl"`
	WebhookSecret string   `json:"webhookSecret"`
	Events        []string `json:"events"`
	Active        *bool    `json:"active"`
	ContentType   *string  `json:"contentType"`
	InsecureSSL   bool     `json:"insecureSsl"`
	Token         string   `json:"token"`
}

// githubWebhook adds a webhook to a repository.
func (e *env) githubWebhook() plugin.Action {
	return action{
		info: plugin.ActionInfo{
			ID:          "github:webhook",
			Description: "Creates webhook for a repository on GitHub.",
			Examples: []plugin.ActionExample{{
				Description: "Send push and pull request events as JSON.",
				Example: `steps:
  - id: webhook
    action: github:webhook
    name: Add the CI webhook
    input:
      repoUrl: github.com?owner=acme&repo=payments
      webhookUrl: https://ci.example.com/hooks/github
      webhookSecret: ${{ secrets.webhookSecret }}
      events: [push, pull_request]
      contentType: json
`,
			}},
			Input: object([]string{"repoUrl", "webhookUrl"}, props{
				"repoUrl":       repoURLInput,
				"webhookUrl":    str("Webhook URL", "Where the events are sent"),
				"webhookSecret": str("Webhook Secret", "The secret GitHub signs the deliveries with"),
				"events":        strList("Triggering Events", "The events that trigger the webhook; [push] by default"),
				"active":        boolean("Active", "Whether deliveries are sent; true by default"),
				"contentType":   enum("Content Type", "'form' by default", "form", "json"),
				"insecureSsl":   boolean("Insecure SSL", "Do not verify the TLS certificate of the webhook URL"),
				"token":         tokenInput,
			}),
		},
		run: func(ctx context.Context, ac *plugin.ActionContext) error {
			var in githubWebhookInput
			if err := decodeInput(ac.Input, &in); err != nil {
				return err
			}
			g, err := e.githubRepoFor(in.RepoURL, in.Token)
			if err != nil {
				return err
			}
			events := in.Events
			if len(events) == 0 {
				events = []string{"push"}
			}
			insecure := "0"
			if in.InsecureSSL {
				insecure = "1"
			}
			cfg := &gh.HookConfig{
				URL:         new(in.WebhookURL),
				ContentType: new(orDefault(in.ContentType, "form")),
				InsecureSSL: new(insecure),
			}
			if in.WebhookSecret != "" {
				cfg.Secret = new(in.WebhookSecret)
			}
			hook := &gh.Hook{Config: cfg, Events: events, Active: new(orDefault(in.Active, true))}
			if _, resp, err := g.client.Repositories.CreateHook(ctx, g.owner, g.name, hook); err != nil {
				return ghError("create webhook on repository "+g.owner+"/"+g.name, resp, err)
			}
			logger(ac).Info("created the webhook", "repository", g.owner+"/"+g.name, "events", events)
			return nil
		},
	}
}
