package web

import (
	"net/http"

	"github.com/callboard/callboard/internal/scaffolder"
)

// taskWorkflow adds the workflow parts to a task page: the step graph,
// the attempts of each step and, once the task failed or was cancelled,
// the replay forms.
func (c *Create) taskWorkflow(r *http.Request, t *scaffolder.Task, spec taskSpecView, states []scaffolder.StepState, p *taskPageData) error {
	g, err := c.sc.TaskGraph(r.Context(), t.ID)
	if err != nil {
		return err
	}
	p.Workflow = drawWorkflow(g, true)
	history, err := c.sc.StepHistory(r.Context(), t.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range spec.Steps {
		names[s.ID] = s.Name
	}
	p.Attempts = attemptRows(history, names)
	p.Replay = replayFormOf(t, spec, states, p.CSRF)
	return nil
}
