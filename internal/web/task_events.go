package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// sseKeepAlive is how often an idle event stream sends a comment, so
// proxies keep the connection open.
const sseKeepAlive = 15 * time.Second

// taskEvents streams a task's events to the task page's script as
// server-sent events, from the event after ?after= (or the Last-Event-ID
// a reconnecting browser sends) until the task completes. Each event is
// written as "id: <id>", "event: <type>" and "data: <the event as the
// REST API writes it>".
func (c *Create) taskEvents(w http.ResponseWriter, r *http.Request) error {
	t, err := c.readTask(r)
	if err != nil {
		return err
	}
	after := int64(0)
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return problem.Input("after must be an event id")
		}
		after = max(after, n)
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	write := func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		if _, err := fmt.Fprint(w, s); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write(": stream of task " + t.ID + "\n\n"); err != nil {
		return nil
	}
	ctx, stop := context.WithCancel(r.Context())
	defer stop()
	go func() {
		tick := time.NewTicker(sseKeepAlive)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if write(": keep-alive\n\n") != nil {
					stop()
					return
				}
			}
		}
	}()
	err = c.sc.Subscribe(ctx, t.ID, after, func(ev scaffolder.Event) error {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		return write(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, b))
	})
	if err != nil && ctx.Err() == nil {
		// The headers are sent: the error can only be logged.
		c.log.ErrorContext(r.Context(), "task event stream failed", "task", t.ID, "error", err)
	}
	return nil
}
