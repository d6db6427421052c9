package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Scaffolder stores scaffolder tasks, their events and step states. It
// implements scaffolder.Store.
type Scaffolder struct {
	db *DB
}

// NewScaffolder returns the scaffolder's storage over db.
func NewScaffolder(db *DB) *Scaffolder { return &Scaffolder{db: db} }

var _ scaffolder.Store = (*Scaffolder)(nil)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// InsertTask implements scaffolder.Store.
func (s *Scaffolder) InsertTask(ctx context.Context, t scaffolder.NewTask) error {
	var secrets any
	if t.Secrets != "" {
		secrets = t.Secrets
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO scaffolder_tasks (id, spec, status, created_by, created_at, secrets, recoverable)
		VALUES ($1, $2, 'open', $3, $4, $5, $6)`,
		t.ID, string(t.Spec), t.CreatedBy, millis(t.CreatedAt), secrets, boolInt(t.Recoverable))
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	return nil
}

const taskColumns = `id, spec, status, created_by, created_at, last_heartbeat_at`

func scanTask(row interface{ Scan(...any) error }) (scaffolder.Task, error) {
	var (
		t                  scaffolder.Task
		spec, status       string
		created, heartbeat int64
	)
	if err := row.Scan(&t.ID, &spec, &status, &t.CreatedBy, &created, &heartbeat); err != nil {
		return t, err
	}
	t.Spec = json.RawMessage(spec)
	t.Status = scaffolder.Status(status)
	t.CreatedAt = fromMillis(created)
	t.LastHeartbeatAt = fromMillisOrZero(heartbeat)
	return t, nil
}

// Task implements scaffolder.Store.
func (s *Scaffolder) Task(ctx context.Context, id string) (*scaffolder.Task, error) {
	t, err := scanTask(s.db.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM scaffolder_tasks WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read task %s: %w", id, err)
	}
	return &t, nil
}

// taskOrderColumns are the columns a task list may be sorted by.
var taskOrderColumns = map[string]bool{"created_at": true, "status": true, "created_by": true}

// ListTasks implements scaffolder.Store.
func (s *Scaffolder) ListTasks(ctx context.Context, q scaffolder.TaskQuery) ([]scaffolder.Task, int, error) {
	var (
		where []string
		args  []any
	)
	in := func(col string, values []string) {
		ph := make([]string, len(values))
		for i, v := range values {
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, col+" IN ("+strings.Join(ph, ", ")+")")
	}
	if len(q.CreatedBy) > 0 {
		in("created_by", q.CreatedBy)
	}
	if len(q.Status) > 0 {
		st := make([]string, len(q.Status))
		for i, v := range q.Status {
			st[i] = string(v)
		}
		in("status", st)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scaffolder_tasks`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count tasks: %w", err)
	}
	var order []string
	for _, o := range q.Order {
		if !taskOrderColumns[o.Field] {
			return nil, 0, fmt.Errorf("list tasks: cannot order by %q", o.Field)
		}
		dir := " ASC"
		if o.Desc {
			dir = " DESC"
		}
		order = append(order, o.Field+dir)
	}
	if len(order) == 0 {
		order = append(order, "created_at DESC")
	}
	order = append(order, "id ASC")
	query := `SELECT ` + taskColumns + ` FROM scaffolder_tasks` + cond + ` ORDER BY ` + strings.Join(order, ", ")
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += " LIMIT $" + strconv.Itoa(len(args))
	} else if q.Offset > 0 && s.db.Dialect == SQLite {
		query += " LIMIT -1"
	}
	if q.Offset > 0 {
		args = append(args, q.Offset)
		query += " OFFSET $" + strconv.Itoa(len(args))
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	out := []scaffolder.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list tasks: %w", err)
	}
	return out, total, nil
}

// CountTasksSince implements scaffolder.Store.
func (s *Scaffolder) CountTasksSince(ctx context.Context, createdBy string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM scaffolder_tasks WHERE created_by = $1 AND created_at >= $2`,
		createdBy, millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recent tasks: %w", err)
	}
	return n, nil
}

// claimable selects the tasks a worker may take at $1: open ones that may
// run, and waiting ones whose sleep or timeout ended (run_after 0 on a
// waiting task means only a resolution wakes it).
const claimable = `((status = 'open' AND run_after <= $1) OR (status = 'waiting' AND run_after > 0 AND run_after <= $1))`

// claimableAt3 is claimable with now as $3.
var claimableAt3 = strings.ReplaceAll(claimable, "$1", "$3")

// ClaimTask implements scaffolder.Store. The claim is one statement: on
// SQLite writes are serialised, on PostgreSQL the candidate row is locked
// with SKIP LOCKED, so concurrent workers each get a different task.
func (s *Scaffolder) ClaimTask(ctx context.Context, owner string, now, leaseUntil time.Time) (*scaffolder.ClaimedTask, error) {
	// Most polls find nothing: a read answers them without taking
	// SQLite's write lock, which the catalog's writers need.
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM scaffolder_tasks WHERE `+claimable+` LIMIT 1`, millis(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim task: %w", err)
	}
	lock := ""
	if s.db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var (
		t                                     scaffolder.ClaimedTask
		spec, state                           string
		secrets                               sql.NullString
		created, attempt, recoverIt, cancelAt int64
	)
	err = s.db.QueryRowContext(ctx, `UPDATE scaffolder_tasks
		SET status = 'processing', lease_owner = $1, lease_until = $2, last_heartbeat_at = $3
		WHERE status IN ('open', 'waiting') AND id = (SELECT id FROM scaffolder_tasks WHERE `+claimableAt3+`
			ORDER BY created_at, id LIMIT 1`+lock+`)
		RETURNING id, spec, created_by, created_at, secrets, state, attempt, recoverable, cancel_requested_at`,
		owner, millis(leaseUntil), millis(now)).Scan(&t.ID, &spec, &t.CreatedBy, &created, &secrets, &state, &attempt, &recoverIt, &cancelAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim task: %w", err)
	}
	t.Spec, t.State = json.RawMessage(spec), json.RawMessage(state)
	t.Secrets = secrets.String
	t.CreatedAt = fromMillis(created)
	t.Attempt = int(attempt)
	t.Recoverable = recoverIt != 0
	t.Cancelled = cancelAt != 0
	return &t, nil
}

// Heartbeat implements scaffolder.Store.
func (s *Scaffolder) Heartbeat(ctx context.Context, id, owner string, now, leaseUntil time.Time) (bool, bool, error) {
	var cancelAt int64
	err := s.db.QueryRowContext(ctx, `UPDATE scaffolder_tasks SET last_heartbeat_at = $3, lease_until = $4
		WHERE id = $1 AND lease_owner = $2 AND status = 'processing' RETURNING cancel_requested_at`,
		id, owner, millis(now), millis(leaseUntil)).Scan(&cancelAt)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("heartbeat task %s: %w", id, err)
	}
	return true, cancelAt != 0, nil
}

// ReleaseTask implements scaffolder.Store.
func (s *Scaffolder) ReleaseTask(ctx context.Context, id, owner string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE scaffolder_tasks SET lease_until = 0
		WHERE id = $1 AND lease_owner = $2 AND status = 'processing'`, id, owner); err != nil {
		return fmt.Errorf("release task %s: %w", id, err)
	}
	return nil
}

// SaveStep implements scaffolder.Store.
func (s *Scaffolder) SaveStep(ctx context.Context, taskID string, st scaffolder.StepState) error {
	out := st.Output
	if out == nil {
		out = map[string]any{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode output of step %s: %w", st.StepID, err)
	}
	args := []any{taskID, st.StepID, st.Attempt, string(st.Status), string(b), st.Error, millisOrZero(st.StartedAt), millisOrZero(st.EndedAt)}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scaffolder_task_steps (task_id, step_id, attempt, status, output, error, started_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (task_id, step_id) DO UPDATE SET attempt = excluded.attempt, status = excluded.status,
				output = excluded.output, error = excluded.error, started_at = excluded.started_at, ended_at = excluded.ended_at`,
			args...); err != nil {
			return err
		}
		if !st.Status.Terminal() {
			return nil
		}
		// An ended attempt also goes to the append-only history.
		_, err := tx.ExecContext(ctx, `INSERT INTO scaffolder_step_runs (task_id, step_id, attempt, status, output, error, started_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("save step %s of task %s: %w", st.StepID, taskID, err)
	}
	return nil
}

// Steps implements scaffolder.Store.
func (s *Scaffolder) Steps(ctx context.Context, taskID string) ([]scaffolder.StepState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step_id, attempt, status, output, error, started_at, ended_at
		FROM scaffolder_task_steps WHERE task_id = $1 ORDER BY started_at, step_id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("read steps of task %s: %w", taskID, err)
	}
	defer rows.Close()
	var out []scaffolder.StepState
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return nil, fmt.Errorf("read steps of task %s: %w", taskID, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read steps of task %s: %w", taskID, err)
	}
	return out, nil
}

// scanStep reads step_id, attempt, status, output, error, started_at and
// ended_at.
func scanStep(row interface{ Scan(...any) error }) (scaffolder.StepState, error) {
	var (
		st             scaffolder.StepState
		status, output string
		started, ended int64
	)
	if err := row.Scan(&st.StepID, &st.Attempt, &status, &output, &st.Error, &started, &ended); err != nil {
		return st, err
	}
	st.Status = scaffolder.Status(status)
	if err := json.Unmarshal([]byte(output), &st.Output); err != nil {
		return st, fmt.Errorf("decode output of step %s: %w", st.StepID, err)
	}
	st.StartedAt, st.EndedAt = fromMillisOrZero(started), fromMillisOrZero(ended)
	return st, nil
}

// SaveState implements scaffolder.Store.
func (s *Scaffolder) SaveState(ctx context.Context, taskID string, state json.RawMessage) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE scaffolder_tasks SET state = $2 WHERE id = $1`, taskID, string(state)); err != nil {
		return fmt.Errorf("save state of task %s: %w", taskID, err)
	}
	return nil
}

// FinishTask implements scaffolder.Store.
func (s *Scaffolder) FinishTask(ctx context.Context, id, owner string, status scaffolder.Status, completion json.RawMessage, at time.Time) (bool, error) {
	done := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		n, err := execCount(ctx, tx, `UPDATE scaffolder_tasks
			SET status = $3, ended_at = $4, secrets = NULL, lease_owner = '', lease_until = 0
			WHERE id = $1 AND lease_owner = $2 AND status = 'processing'`, id, owner, string(status), millis(at))
		if err != nil || n == 0 {
			return err
		}
		done = true
		return insertTaskEvent(ctx, tx, id, scaffolder.EventCompletion, completion, at)
	})
	if err != nil {
		return false, fmt.Errorf("finish task %s: %w", id, err)
	}
	return done, nil
}

func insertTaskEvent(ctx context.Context, q queryer, taskID string, typ scaffolder.EventType, body json.RawMessage, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO scaffolder_task_events (task_id, type, body, created_at) VALUES ($1, $2, $3, $4)`,
		taskID, string(typ), string(body), millis(at))
	return err
}

// FailTask implements scaffolder.Store.
func (s *Scaffolder) FailTask(ctx context.Context, id string, logs []json.RawMessage, completion json.RawMessage, at time.Time) (bool, error) {
	done := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		n, err := execCount(ctx, tx, `UPDATE scaffolder_tasks
			SET status = 'failed', ended_at = $2, secrets = NULL, lease_owner = '', lease_until = 0
			WHERE id = $1 AND status IN ('open', 'processing', 'waiting')`, id, millis(at))
		if err != nil || n == 0 {
			return err
		}
		done = true
		for _, body := range logs {
			if err := insertTaskEvent(ctx, tx, id, scaffolder.EventLog, body, at); err != nil {
				return err
			}
		}
		return insertTaskEvent(ctx, tx, id, scaffolder.EventCompletion, completion, at)
	})
	if err != nil {
		return false, fmt.Errorf("fail task %s: %w", id, err)
	}
	return done, nil
}

// SecretsKey implements scaffolder.Store.
func (s *Scaffolder) SecretsKey(ctx context.Context, candidate string, at time.Time) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO scaffolder_keys (name, key, created_at) VALUES ('secrets', $1, $2)
		ON CONFLICT (name) DO NOTHING`, candidate, millis(at)); err != nil {
		return "", fmt.Errorf("store secrets key: %w", err)
	}
	var key string
	if err := s.db.QueryRowContext(ctx, `SELECT key FROM scaffolder_keys WHERE name = 'secrets'`).Scan(&key); err != nil {
		return "", fmt.Errorf("read secrets key: %w", err)
	}
	return key, nil
}
