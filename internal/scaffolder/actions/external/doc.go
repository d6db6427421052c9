// Package external builds scaffolder actions that platform teams declare
// in app-config (scaffolder.externalActions) instead of compiling them in:
// an "http" action POSTs the step to a signed HTTP endpoint, an "exec"
// action runs an executable with the step on stdin. Both are ordinary
// plugin.Actions, so the engine lists, validates and runs them like the
// built-in ones.
//
// The request is one JSON object:
//
//	{"input": {...}, "taskId": "...", "stepId": "...",
//	 "templateRef": "template:default/x", "user": "user:default/ada", "dryRun": false}
//
// and the answer is a JSON object whose top-level keys become the step's
// outputs, checked against the configured output schema.
package external
