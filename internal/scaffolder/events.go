package scaffolder

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/problem"
)

// broker tells local listeners that a task has new events. Events written
// by other instances are found by polling.
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func newBroker() *broker { return &broker{subs: map[string]map[chan struct{}]struct{}{}} }

// subscribe returns a channel that receives a value when the task has new
// events, and a function that ends the subscription.
func (b *broker) subscribe(taskID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[taskID] == nil {
		b.subs[taskID] = map[chan struct{}]struct{}{}
	}
	b.subs[taskID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[taskID], ch)
		if len(b.subs[taskID]) == 0 {
			delete(b.subs, taskID)
		}
		b.mu.Unlock()
	}
}

// notify wakes the task's listeners.
func (b *broker) notify(taskID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[taskID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// eventBatch bounds one read of events.
const eventBatch = 1000

// appendEvent records an event of a task and wakes its listeners.
func (e *Engine) appendEvent(ctx context.Context, taskID string, typ EventType, body EventBody) {
	b, err := json.Marshal(body)
	if err == nil {
		_, err = e.store.AppendEvent(context.WithoutCancel(ctx), taskID, typ, b, e.now())
	}
	if err != nil {
		e.log.ErrorContext(ctx, "record task event", "task", taskID, "type", string(typ), "error", err)
		return
	}
	e.events.notify(taskID)
}

// errTaskNotFound is Backstage's answer for an unknown task id.
func errTaskNotFound(id string) error {
	return problem.NotFound("Task with id %s does not exist", id)
}

// Events returns the task's events after the event id after (0 for all),
// plus its completion event if it has one.
func (e *Engine) Events(ctx context.Context, taskID string, after int64) ([]Event, error) {
	if _, err := e.Task(ctx, taskID); err != nil {
		return nil, err
	}
	return e.store.Events(ctx, taskID, after, eventBatch)
}

// WaitEvents is Events as a long poll: it waits up to timeout for an
// event when there is none yet, and returns an empty list then.
func (e *Engine) WaitEvents(ctx context.Context, taskID string, after int64, timeout time.Duration) ([]Event, error) {
	if _, err := e.Task(ctx, taskID); err != nil {
		return nil, err
	}
	wake, stop := e.events.subscribe(taskID)
	defer stop()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(eventPollInterval)
	defer tick.Stop()
	for {
		evs, err := e.store.Events(ctx, taskID, after, eventBatch)
		if err != nil || len(evs) > 0 {
			return evs, err
		}
		select {
		case <-ctx.Done():
			return []Event{}, nil
		case <-deadline.C:
			return []Event{}, nil
		case <-wake:
		case <-tick.C:
		}
	}
}

// Subscribe sends the task's events after the event id after to send as
// they happen, until the task completes (unless it may be recovered),
// send fails or ctx ends.
func (e *Engine) Subscribe(ctx context.Context, taskID string, after int64, send func(Event) error) error {
	if _, err := e.Task(ctx, taskID); err != nil {
		return err
	}
	wake, stop := e.events.subscribe(taskID)
	defer stop()
	tick := time.NewTicker(eventPollInterval)
	defer tick.Stop()
	last, sentCompletion := after, int64(0)
	for {
		evs, err := e.store.Events(ctx, taskID, last, eventBatch)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if ev.ID <= last && (ev.Type != EventCompletion || ev.ID == sentCompletion) {
				continue
			}
			if err := send(ev); err != nil {
				return err
			}
			last = max(last, ev.ID)
			if ev.Type == EventCompletion {
				if !ev.Recoverable {
					return nil
				}
				sentCompletion = ev.ID
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-tick.C:
		}
	}
}
