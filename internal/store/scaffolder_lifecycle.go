package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
)

// AppendEvent implements scaffolder.Store.
func (s *Scaffolder) AppendEvent(ctx context.Context, taskID string, typ scaffolder.EventType, body json.RawMessage, at time.Time) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO scaffolder_task_events (task_id, type, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		taskID, string(typ), string(body), millis(at)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append event to task %s: %w", taskID, err)
	}
	return id, nil
}

// Events implements scaffolder.Store.
func (s *Scaffolder) Events(ctx context.Context, taskID string, after int64, limit int) ([]scaffolder.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.type, e.body, e.created_at, t.recoverable
		FROM scaffolder_task_events e JOIN scaffolder_tasks t ON t.id = e.task_id
		WHERE e.task_id = $1
		  AND e.id >= COALESCE((SELECT MAX(r.id) FROM scaffolder_task_events r WHERE r.task_id = $1 AND r.type = 'recovered'), 0)
		  AND (e.id > $2 OR e.type = 'completion')
		ORDER BY e.id LIMIT $3`, taskID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events of task %s: %w", taskID, err)
	}
	defer rows.Close()
	out := []scaffolder.Event{}
	for rows.Next() {
		var (
			e           scaffolder.Event
			typ, body   string
			created, rc int64
		)
		if err := rows.Scan(&e.ID, &typ, &body, &created, &rc); err != nil {
			return nil, fmt.Errorf("read events of task %s: %w", taskID, err)
		}
		e.TaskID, e.Type, e.Body = taskID, scaffolder.EventType(typ), json.RawMessage(body)
		e.CreatedAt, e.Recoverable = fromMillis(created), rc != 0
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events of task %s: %w", taskID, err)
	}
	return out, nil
}

// lockTaskStatus reads a task's status inside tx, locking the row on
// PostgreSQL (SQLite's immediate transactions hold the write lock
// already). "" when there is no such task.
func lockTaskStatus(ctx context.Context, tx *Tx, id string) (scaffolder.Status, error) {
	lock := ""
	if tx.Dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var st string
	err := tx.QueryRowContext(ctx, `SELECT status FROM scaffolder_tasks WHERE id = $1`+lock, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return scaffolder.Status(st), err
}

// CancelTask implements scaffolder.Store. A second cancellation of the
// same attempt adds nothing.
func (s *Scaffolder) CancelTask(ctx context.Context, id string, body json.RawMessage, at time.Time) (scaffolder.Status, error) {
	var status scaffolder.Status
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if status, err = lockTaskStatus(ctx, tx, id); err != nil || status == "" || status.Terminal() {
			return err
		}
		if status == scaffolder.StatusWaiting {
			// No worker holds a waiting task: reopen it so one picks it
			// up, sees the cancellation and ends it.
			if _, err := tx.ExecContext(ctx, `UPDATE scaffolder_tasks SET status = 'open', run_after = 0 WHERE id = $1`, id); err != nil {
				return err
			}
		}
		n, err := execCount(ctx, tx, `UPDATE scaffolder_tasks SET cancel_requested_at = $2
			WHERE id = $1 AND cancel_requested_at = 0`, id, millis(at))
		if err != nil || n == 0 {
			return err
		}
		return insertTaskEvent(ctx, tx, id, scaffolder.EventCancelled, body, at)
	})
	if err != nil {
		return "", fmt.Errorf("cancel task %s: %w", id, err)
	}
	return status, nil
}

// RetryTask implements scaffolder.Store.
func (s *Scaffolder) RetryTask(ctx context.Context, id string, r scaffolder.Retry) (scaffolder.Status, error) {
	var status scaffolder.Status
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if status, err = lockTaskStatus(ctx, tx, id); err != nil || !status.Terminal() {
			return err
		}
		replace, secrets := 0, sql.NullString{}
		if r.Secrets != nil {
			replace = 1
			secrets = sql.NullString{String: *r.Secrets, Valid: *r.Secrets != ""}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scaffolder_tasks
			SET status = 'open', attempt = attempt + 1, ended_at = 0, cancel_requested_at = 0, run_after = 0,
				lease_owner = '', lease_until = 0,
				secrets = CASE WHEN $2 = 1 THEN $3 ELSE secrets END
			WHERE id = $1`, id, replace, secrets); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scaffolder_task_events WHERE task_id = $1 AND type IN ('cancelled', 'completion')`, id); err != nil {
			return err
		}
		if err := dropSteps(ctx, tx, id, r); err != nil {
			return err
		}
		return insertTaskEvent(ctx, tx, id, scaffolder.EventRecovered, r.Event, r.At)
	})
	if err != nil {
		return "", fmt.Errorf("retry task %s: %w", id, err)
	}
	return status, nil
}

// dropSteps deletes the step states and waits a retry does not keep: all
// of them unless r.KeepSteps, else those of r.DropSteps. Votes and
// approvers go with their waits (ON DELETE CASCADE).
func dropSteps(ctx context.Context, tx *Tx, id string, r scaffolder.Retry) error {
	cond, args := "", []any{id}
	if r.KeepSteps {
		if len(r.DropSteps) == 0 {
			return nil
		}
		for _, step := range r.DropSteps {
			args = append(args, step)
		}
		cond = " AND step_id IN (" + paramList(2, len(r.DropSteps)) + ")"
	}
	for _, table := range []string{"scaffolder_task_steps", "scaffolder_waits"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE task_id = $1`+cond, args...); err != nil {
			return err
		}
	}
	return nil
}

// RecoverTasks implements scaffolder.Store.
func (s *Scaffolder) RecoverTasks(ctx context.Context, now time.Time, all bool, body json.RawMessage) ([]string, error) {
	var ids []string
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		ids = nil
		rows, err := tx.QueryContext(ctx, `UPDATE scaffolder_tasks
			SET status = 'open', attempt = attempt + 1, lease_owner = '', lease_until = 0
			WHERE status = 'processing' AND lease_until < $1 AND ($2 = 1 OR recoverable = 1)
			RETURNING id`, millis(now), boolInt(all))
		if err != nil {
			return err
		}
		if err := scanRows(rows, appendColumn(&ids)); err != nil {
			return err
		}
		for _, id := range ids {
			if err := insertTaskEvent(ctx, tx, id, scaffolder.EventRecovered, body, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recover tasks: %w", err)
	}
	return ids, nil
}

// StaleTasks implements scaffolder.Store.
func (s *Scaffolder) StaleTasks(ctx context.Context, before time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM scaffolder_tasks WHERE status = 'processing' AND last_heartbeat_at < $1`, millis(before))
	if err != nil {
		return nil, fmt.Errorf("list stale tasks: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list stale tasks: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
