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

var _ scaffolder.WaitStore = (*Scaffolder)(nil)

const waitColumns = `id, task_id, step_id, iteration, kind, created_at, until_at, token_hash, request, resolved, result, resolved_at`

// rawOrNull stores a nil message as JSON null, so the column stays valid JSON.
func rawOrNull(m json.RawMessage) string {
	if len(m) == 0 {
		return "null"
	}
	return string(m)
}

// rawOrNil is rawOrNull's inverse.
func rawOrNil(s string) json.RawMessage {
	if s == "" || s == "null" {
		return nil
	}
	return json.RawMessage(s)
}

func scanWait(row interface{ Scan(...any) error }) (scaffolder.WaitRecord, error) {
	var (
		w                             scaffolder.WaitRecord
		request, result               string
		created, until, resolvedAt, r int64
	)
	if err := row.Scan(&w.ID, &w.TaskID, &w.StepID, &w.Iteration, &w.Kind, &created, &until, &w.TokenHash,
		&request, &r, &result, &resolvedAt); err != nil {
		return w, err
	}
	w.CreatedAt = fromMillis(created)
	w.Until = fromMillisOrZero(until)
	w.Request, w.Result = rawOrNil(request), rawOrNil(result)
	w.Resolved = r != 0
	w.ResolvedAt = fromMillisOrZero(resolvedAt)
	return w, nil
}

// paramList returns "$from,$from+1,..." for n values.
func paramList(from, n int) string {
	var b strings.Builder
	placeholders(&b, from, n)
	return b.String()
}

// loadApprovers fills in the approvers of each wait, sorted by ref.
func loadApprovers(ctx context.Context, q queryer, waits []scaffolder.WaitRecord) error {
	if len(waits) == 0 {
		return nil
	}
	args := make([]any, len(waits))
	index := make(map[string]int, len(waits))
	for i, w := range waits {
		args[i] = w.ID
		index[w.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT wait_id, ref FROM scaffolder_wait_approvers
		WHERE wait_id IN (`+paramList(1, len(args))+`) ORDER BY wait_id, ref`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return err
		}
		i := index[id]
		waits[i].Approvers = append(waits[i].Approvers, ref)
	}
	return rows.Err()
}

// oneWait reads the wait a query selects with its approvers; nil when
// there is none.
func oneWait(ctx context.Context, q queryer, where string, args ...any) (*scaffolder.WaitRecord, error) {
	w, err := scanWait(q.QueryRowContext(ctx, `SELECT `+waitColumns+` FROM scaffolder_waits WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ws := []scaffolder.WaitRecord{w}
	if err := loadApprovers(ctx, q, ws); err != nil {
		return nil, err
	}
	return &ws[0], nil
}

// EnsureWait implements scaffolder.WaitStore. The insert and the read
// share a transaction, so the approvers are there whenever the wait is.
func (s *Scaffolder) EnsureWait(ctx context.Context, w scaffolder.WaitRecord) (scaffolder.WaitRecord, bool, error) {
	var (
		rec     *scaffolder.WaitRecord
		created bool
	)
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		n, err := execCount(ctx, tx, `INSERT INTO scaffolder_waits (`+waitColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
			w.ID, w.TaskID, w.StepID, w.Iteration, w.Kind, millis(w.CreatedAt), millisOrZero(w.Until), w.TokenHash,
			rawOrNull(w.Request), boolInt(w.Resolved), rawOrNull(w.Result), millisOrZero(w.ResolvedAt))
		if err != nil {
			return err
		}
		if created = n == 1; created {
			for _, ref := range w.Approvers {
				if _, err := tx.ExecContext(ctx, `INSERT INTO scaffolder_wait_approvers (wait_id, ref) VALUES ($1, $2)
					ON CONFLICT DO NOTHING`, w.ID, ref); err != nil {
					return err
				}
			}
		}
		rec, err = oneWait(ctx, tx, `task_id = $1 AND step_id = $2 AND iteration = $3`, w.TaskID, w.StepID, w.Iteration)
		if err != nil {
			return err
		}
		if rec == nil {
			// The insert clashed with another step's wait (same id or token).
			return fmt.Errorf("wait %s clashes with an existing wait's id or token", w.ID)
		}
		return nil
	})
	if err != nil {
		return scaffolder.WaitRecord{}, false, fmt.Errorf("ensure wait of step %s of task %s: %w", w.StepID, w.TaskID, err)
	}
	return *rec, created, nil
}

// Wait implements scaffolder.WaitStore.
func (s *Scaffolder) Wait(ctx context.Context, id string) (*scaffolder.WaitRecord, error) {
	w, err := oneWait(ctx, s.db, `id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("read wait %s: %w", id, err)
	}
	return w, nil
}

// WaitByStep implements scaffolder.WaitStore.
func (s *Scaffolder) WaitByStep(ctx context.Context, taskID, stepID, iteration string) (*scaffolder.WaitRecord, error) {
	w, err := oneWait(ctx, s.db, `task_id = $1 AND step_id = $2 AND iteration = $3`, taskID, stepID, iteration)
	if err != nil {
		return nil, fmt.Errorf("read wait of step %s of task %s: %w", stepID, taskID, err)
	}
	return w, nil
}

// WaitByToken implements scaffolder.WaitStore.
func (s *Scaffolder) WaitByToken(ctx context.Context, tokenHash string) (*scaffolder.WaitRecord, error) {
	if tokenHash == "" {
		return nil, nil
	}
	w, err := oneWait(ctx, s.db, `token_hash = $1`, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("read wait by token: %w", err)
	}
	return w, nil
}

// ResolveWait implements scaffolder.WaitStore. It locks the task row
// before touching the wait, as ParkTask does, so whichever of the two
// comes second sees what the first did.
func (s *Scaffolder) ResolveWait(ctx context.Context, id string, result json.RawMessage, at time.Time) (bool, error) {
	done := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		done = false
		var taskID string
		err := tx.QueryRowContext(ctx, `SELECT task_id FROM scaffolder_waits WHERE id = $1`, id).Scan(&taskID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		status, err := lockTaskStatus(ctx, tx, taskID)
		if err != nil || status == "" {
			return err
		}
		n, err := execCount(ctx, tx, `UPDATE scaffolder_waits SET resolved = 1, result = $2, resolved_at = $3
			WHERE id = $1 AND resolved = 0`, id, rawOrNull(result), millis(at))
		if err != nil || n == 0 {
			return err
		}
		done = true
		if status != scaffolder.StatusWaiting {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE scaffolder_tasks SET status = 'open', run_after = 0 WHERE id = $1`, taskID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("resolve wait %s: %w", id, err)
	}
	return done, nil
}

// ParkTask implements scaffolder.WaitStore. See ResolveWait for the
// locking.
func (s *Scaffolder) ParkTask(ctx context.Context, id, owner string, waitIDs []string, wakeAt time.Time, event json.RawMessage, at time.Time) (bool, error) {
	parked := false
	err := s.db.WithTx(ctx, func(tx *Tx) error {
		parked = false
		lock := ""
		if tx.Dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var status, holder string
		err := tx.QueryRowContext(ctx, `SELECT status, lease_owner FROM scaffolder_tasks WHERE id = $1`+lock, id).Scan(&status, &holder)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if status != string(scaffolder.StatusProcessing) || holder != owner {
			return nil
		}
		resolved := 0
		if len(waitIDs) > 0 {
			args := []any{id}
			for _, w := range waitIDs {
				args = append(args, w)
			}
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM scaffolder_waits
				WHERE task_id = $1 AND resolved = 1 AND id IN (`+paramList(2, len(waitIDs))+`)`, args...).Scan(&resolved)
			if err != nil {
				return err
			}
		}
		if resolved > 0 {
			_, err := tx.ExecContext(ctx, `UPDATE scaffolder_tasks
				SET status = 'open', run_after = 0, lease_owner = '', lease_until = 0 WHERE id = $1`, id)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scaffolder_tasks
			SET status = 'waiting', run_after = $2, lease_owner = '', lease_until = 0 WHERE id = $1`,
			id, millisOrZero(wakeAt)); err != nil {
			return err
		}
		parked = true
		if event == nil {
			return nil
		}
		return insertTaskEvent(ctx, tx, id, scaffolder.EventLog, event, at)
	})
	if err != nil {
		return false, fmt.Errorf("park task %s: %w", id, err)
	}
	return parked, nil
}

// AddVote implements scaffolder.WaitStore. It is also false when the wait
// is not a pending approval.
func (s *Scaffolder) AddVote(ctx context.Context, waitID string, v scaffolder.Vote) (bool, error) {
	n, err := execCount(ctx, s.db, `INSERT INTO scaffolder_votes (wait_id, actor, decision, comment, via, at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS
			(SELECT 1 FROM scaffolder_waits WHERE id = $1 AND kind = 'approval' AND resolved = 0)
		ON CONFLICT DO NOTHING`, waitID, v.Actor, v.Decision, v.Comment, v.Via, millis(v.At))
	if err != nil {
		return false, fmt.Errorf("add vote on wait %s: %w", waitID, err)
	}
	return n == 1, nil
}

// Votes implements scaffolder.WaitStore.
func (s *Scaffolder) Votes(ctx context.Context, waitIDs []string) (map[string][]scaffolder.Vote, error) {
	out := map[string][]scaffolder.Vote{}
	if len(waitIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(waitIDs))
	for i, id := range waitIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT wait_id, actor, decision, comment, via, at FROM scaffolder_votes
		WHERE wait_id IN (`+paramList(1, len(args))+`) ORDER BY at, actor`, args...)
	if err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			v  scaffolder.Vote
			at int64
		)
		if err := rows.Scan(&id, &v.Actor, &v.Decision, &v.Comment, &v.Via, &at); err != nil {
			return nil, fmt.Errorf("read votes: %w", err)
		}
		v.At = fromMillis(at)
		out[id] = append(out[id], v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	return out, nil
}

// ListApprovals implements scaffolder.WaitStore.
func (s *Scaffolder) ListApprovals(ctx context.Context, q scaffolder.ApprovalQuery) ([]scaffolder.WaitRecord, error) {
	var args []any
	pending := func() string {
		if len(q.Refs) == 0 {
			return "1 = 0"
		}
		from := len(args) + 1
		for _, r := range q.Refs {
			args = append(args, r)
		}
		return `(w.resolved = 0 AND EXISTS (SELECT 1 FROM scaffolder_wait_approvers a
			WHERE a.wait_id = w.id AND a.ref IN (` + paramList(from, len(q.Refs)) + `))
			AND EXISTS (SELECT 1 FROM scaffolder_tasks t WHERE t.id = w.task_id AND t.status IN ('open', 'processing', 'waiting')))`
	}
	decided := func() string {
		args = append(args, q.Actor)
		return `EXISTS (SELECT 1 FROM scaffolder_votes v WHERE v.wait_id = w.id AND v.actor = $` + strconv.Itoa(len(args)) + `)`
	}
	var cond string
	switch q.Status {
	case "pending":
		cond = pending()
	case "decided":
		cond = decided()
	case "":
		cond = "(" + pending() + " OR " + decided() + ")"
	default:
		return nil, fmt.Errorf("list approvals: unknown status %q", q.Status)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+prefixed("w.", waitColumns)+` FROM scaffolder_waits w
		WHERE w.kind = 'approval' AND `+cond+`
		ORDER BY w.created_at DESC, w.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	out := []scaffolder.WaitRecord{}
	for rows.Next() {
		w, err := scanWait(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list approvals: %w", err)
		}
		out = append(out, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	if err := loadApprovers(ctx, s.db, out); err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return out, nil
}

// prefixed qualifies each column of a comma-separated list.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}

// StepHistory implements scaffolder.WaitStore.
func (s *Scaffolder) StepHistory(ctx context.Context, taskID string) ([]scaffolder.StepState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT step_id, attempt, status, output, error, started_at, ended_at
		FROM scaffolder_step_runs WHERE task_id = $1 ORDER BY id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("read step history of task %s: %w", taskID, err)
	}
	defer rows.Close()
	out := []scaffolder.StepState{}
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return nil, fmt.Errorf("read step history of task %s: %w", taskID, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read step history of task %s: %w", taskID, err)
	}
	return out, nil
}
