package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.yaml.in/yaml/v4"
)

const taskUsage = `Usage: callboard task <command> [flags]

Commands:
  run      start a task from a template on a running portal
  replay   run an ended task again, from its failed steps or a chosen step

Run "callboard task <command> --help" for a command's flags.
`

const taskRunUsage = `Usage: callboard task run <template-ref> [--values FILE] [--set KEY=VALUE]... [--entity REF] [--server URL] [--token TOKEN] [--follow]

Starts a task from a template on a running portal (POST
/api/scaffolder/v2/tasks) and prints its id. --values reads the parameters
from a YAML file; --set sets one (its value read as YAML: 3, true, text),
after the file. --entity names the entity a day-2 template acts on. The server is --server, or $CALLBOARD_URL, or
http://localhost:7007; the token is --token or $CALLBOARD_TOKEN. With
--follow it prints the task's log until it ends and exits 0 when the task
completed, 1 when it failed or was cancelled.

Flags:
`

const taskReplayUsage = `Usage: callboard task replay <task-id> [--from-step STEP] [--server URL] [--token TOKEN] [--follow]

Runs a failed or cancelled task again (POST
/api/scaffolder/v2/tasks/{id}/replay): from its failed steps, reusing the
completed steps' outputs and recorded approvals, or with --from-step from
that step, running it and every step that needs it again. Server, token and
--follow as for "callboard task run".

Flags:
`

// cmdTask runs "callboard task <command>".
func cmdTask(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, done := groupHelp(args, stderr, taskUsage); done {
		return code
	}
	switch args[0] {
	case "run":
		return cmdTaskRun(ctx, args[1:], os.Getenv, stdout, stderr)
	case "replay":
		return cmdTaskReplay(ctx, args[1:], os.Getenv, stdout, stderr)
	default:
		return unknownCommand(stderr, "task", args[0], taskUsage)
	}
}

// setFlags is the repeatable --set flag.
type setFlags []string

func (s *setFlags) String() string { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

func cmdTaskRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("task run", taskRunUsage, stderr)
	valuesFile := fs.String("values", "", "YAML file of the task's parameters")
	var sets setFlags
	fs.Var(&sets, "set", "a parameter as KEY=VALUE (repeatable)")
	conn := addTaskClientFlags(fs)
	entityRef := fs.String("entity", "", "the entity a day-2 template acts on (its ${{ entity }})")
	// The template ref may come before or after the flags.
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return exitForFlagError(err)
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "callboard task run: want one template ref, such as template:default/my-template")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "callboard task run:", err)
		return 1
	}
	values, err := taskValues(*valuesFile, sets)
	if err != nil {
		return fail(err)
	}
	c := conn.client(getenv)
	var created struct {
		ID string `json:"id"`
	}
	body := map[string]any{"templateRef": positional[0], "values": values}
	if *entityRef != "" {
		body["entityRef"] = *entityRef
	}
	if err := c.do(ctx, http.MethodPost, "/api/scaffolder/v2/tasks", body, &created); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, created.ID)
	return conn.finish(ctx, c, created.ID, stdout, stderr, "callboard task run:")
}

func cmdTaskReplay(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := newFlagSet("task replay", taskReplayUsage, stderr)
	fromStep := fs.String("from-step", "", "run this step and every step that needs it again")
	conn := addTaskClientFlags(fs)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return exitForFlagError(err)
	}
	if len(positional) != 1 {
		fmt.Fprintln(stderr, "callboard task replay: want one task id")
		return 2
	}
	id := positional[0]
	c := conn.client(getenv)
	body := map[string]any{}
	if *fromStep != "" {
		body["fromStep"] = *fromStep
	}
	var replayed struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/scaffolder/v2/tasks/"+url.PathEscape(id)+"/replay", body, &replayed); err != nil {
		fmt.Fprintln(stderr, "callboard task replay:", err)
		return 1
	}
	fmt.Fprintln(stdout, id)
	return conn.finish(ctx, c, id, stdout, stderr, "callboard task replay:")
}

// taskClientFlags are the flags every task command shares: where the
// portal is, how to sign in, and whether to follow the task's log.
type taskClientFlags struct {
	server, token *string
	follow        *bool
}

func addTaskClientFlags(fs *flag.FlagSet) taskClientFlags {
	return taskClientFlags{
		server: fs.String("server", "", "the portal's URL (default $CALLBOARD_URL or http://localhost:7007)"),
		token:  fs.String("token", "", "bearer token (default $CALLBOARD_TOKEN)"),
		follow: fs.Bool("follow", false, "print the task's log until it ends; exit 1 unless it completed"),
	}
}

// client is the portal the flags, or else the environment, name.
func (f taskClientFlags) client(getenv func(string) string) taskClient {
	return taskClient{
		base:  strings.TrimRight(firstOf(*f.server, getenv("CALLBOARD_URL"), "http://localhost:7007"), "/"),
		token: firstOf(*f.token, getenv("CALLBOARD_TOKEN")),
	}
}

// finish follows the task's log when --follow asks: 0 unless it did
// not complete; errors are printed after prefix.
func (f taskClientFlags) finish(ctx context.Context, c taskClient, id string, stdout, stderr io.Writer, prefix string) int {
	if !*f.follow {
		return 0
	}
	ok, err := c.follow(ctx, id, stdout)
	if err != nil {
		fmt.Fprintln(stderr, prefix, err)
		return 1
	}
	if !ok {
		return 1
	}
	return 0
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// taskValues reads --values and applies each --set over it.
func taskValues(file string, sets []string) (map[string]any, error) {
	values := map[string]any{}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(b, &values); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if values == nil {
			values = map[string]any{}
		}
	}
	for _, s := range sets {
		k, v, _ := strings.Cut(s, "=")
		var parsed any
		if err := yaml.Unmarshal([]byte(v), &parsed); err != nil || parsed == nil {
			parsed = v
		}
		if _, isMap := parsed.(map[string]any); isMap {
			parsed = v
		}
		values[k] = parsed
	}
	return values, nil
}

// taskClient calls the portal's scaffolder API.
type taskClient struct {
	base, token string
}

// do sends a JSON request and decodes a JSON answer into out; an error
// answer becomes an error with the server's message.
func (c taskClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s: %s", e.Error.Name, e.Error.Message)
		}
		return fmt.Errorf("%s %s: %s", method, path, res.Status)
	}
	return json.Unmarshal(b, out)
}

// taskEvent is an event as GET .../events returns it.
type taskEvent struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
	Body struct {
		Message string `json:"message"`
		StepID  string `json:"stepId"`
		Status  string `json:"status"`
		Error   *struct {
			Message string `json:"message"`
		} `json:"error"`
	} `json:"body"`
}

// follow prints the task's log lines until it ends; true when it
// completed.
func (c taskClient) follow(ctx context.Context, id string, stdout io.Writer) (bool, error) {
	var after int64
	for {
		var evs []taskEvent
		path := "/api/scaffolder/v2/tasks/" + url.PathEscape(id) + "/events"
		if after > 0 {
			path += fmt.Sprintf("?after=%d", after)
		}
		if err := c.do(ctx, http.MethodGet, path, nil, &evs); err != nil {
			return false, err
		}
		for _, ev := range evs {
			after = ev.ID
			switch ev.Type {
			case "log":
				if ev.Body.StepID != "" {
					fmt.Fprintf(stdout, "[%s] %s\n", ev.Body.StepID, ev.Body.Message)
				} else {
					fmt.Fprintln(stdout, ev.Body.Message)
				}
			case "completion", "cancelled":
				fmt.Fprintln(stdout, ev.Body.Message)
				if ev.Body.Error != nil && ev.Body.Error.Message != "" {
					fmt.Fprintln(stdout, ev.Body.Error.Message)
				}
				return ev.Type == "completion" && (ev.Body.Status == "completed" || strings.HasSuffix(ev.Body.Message, "status: completed")), nil
			}
		}
		if err := ctx.Err(); err != nil {
			return false, errors.New("stopped before the task ended")
		}
	}
}
