package actions

import (
	"context"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// maxWait is the longest debug:wait may wait, as in Backstage.
const maxWait = 10 * time.Minute

type debugWaitInput struct {
	Minutes      float64 `json:"minutes"`
	Seconds      float64 `json:"seconds"`
	Milliseconds float64 `json:"milliseconds"`
}

func debugWait() *action {
	return &action{
		info: plugin.ActionInfo{
			ID:             "debug:wait",
			Description:    "Waits for a while (at most 10 minutes in all) before the next step; a cancelled task stops waiting at once.",
			SupportsDryRun: true,
			Input: object(props{
				"minutes":      numberProp("Minutes", "Minutes to wait."),
				"seconds":      numberProp("Seconds", "Seconds to wait."),
				"milliseconds": numberProp("Milliseconds", "Milliseconds to wait."),
			}),
			Examples: []plugin.ActionExample{{
				Description: "Wait one minute and a half.",
				Example: `steps:
  - id: wait
    name: Wait
    action: debug:wait
    input:
      minutes: 1
      seconds: 30
`,
			}},
		},
		run: runDebugWait,
	}
}

func runDebugWait(ctx context.Context, ac *plugin.ActionContext) error {
	in, err := decodeInput[debugWaitInput]("debug:wait", ac)
	if err != nil {
		return err
	}
	if in.Minutes < 0 || in.Seconds < 0 || in.Milliseconds < 0 {
		return problem.Input("input minutes, seconds and milliseconds must not be negative")
	}
	total := in.Minutes*float64(time.Minute) + in.Seconds*float64(time.Second) + in.Milliseconds*float64(time.Millisecond)
	if total > float64(maxWait) {
		return problem.Input("Waiting duration is longer than the maximum threshold of 10 minutes")
	}
	t := time.NewTimer(time.Duration(total))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
