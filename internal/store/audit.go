package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/audit"
)

// Audit stores the audit log in audit_events. It implements audit.Store;
// it has no statement that changes or removes an event, and the table's
// triggers refuse them anyway.
type Audit struct {
	db *DB
}

// NewAudit returns the audit log storage over db.
func NewAudit(db *DB) *Audit { return &Audit{db: db} }

var _ audit.Store = (*Audit)(nil)

// auditScanBatch is how many events ScanEvents reads per statement.
const auditScanBatch = 1000

const auditColumns = `id, occurred_at, actor_ref, actor_kind, action, target, outcome, decision_rule, ip, user_agent, before_json, after_json, details_json`

// AppendEvent implements audit.Store.
func (a *Audit) AppendEvent(ctx context.Context, e audit.Event) (int64, error) {
	var id int64
	err := a.db.QueryRowContext(ctx, `INSERT INTO audit_events
		(occurred_at, actor_ref, actor_kind, action, target, outcome, decision_rule, ip, user_agent, before_json, after_json, details_json)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		e.Time.UnixMilli(), e.ActorRef, e.ActorKind, e.Action, e.Target, string(e.Outcome), e.Rule, e.IP, e.UserAgent,
		jsonText(e.Before), jsonText(e.After), jsonText(e.Details)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append audit event: %w", err)
	}
	return id, nil
}

// jsonText stores absent JSON as NULL.
func jsonText(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Events implements audit.Store.
func (a *Audit) Events(ctx context.Context, q audit.EventQuery) ([]audit.Event, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	match := func(col, v string) {
		if v == "" {
			return
		}
		if prefix, ok := strings.CutSuffix(v, "*"); ok {
			if prefix != "" {
				// substr rather than LIKE: no escaping, same on both databases.
				where = append(where, fmt.Sprintf("substr(%s, 1, %d) = %s", col, utf8.RuneCountInString(prefix), arg(prefix)))
			}
			return
		}
		where = append(where, col+" = "+arg(v))
	}
	if q.Actor != "" {
		where = append(where, "actor_ref = "+arg(q.Actor))
	}
	match("action", q.Action)
	match("target", q.Target)
	if !q.From.IsZero() {
		where = append(where, "occurred_at >= "+arg(q.From.UnixMilli()))
	}
	if !q.To.IsZero() {
		where = append(where, "occurred_at < "+arg(q.To.UnixMilli()))
	}
	if q.BeforeID > 0 {
		where = append(where, "id < "+arg(q.BeforeID))
	}
	stmt := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY id DESC LIMIT " + arg(q.Limit)
	return a.query(ctx, stmt, args...)
}

// ScanEvents implements audit.Store.
func (a *Audit) ScanEvents(ctx context.Context, from, to time.Time, fn func(audit.Event) error) error {
	var after int64
	lo, hi := int64(-1<<62), int64(1<<62)
	if !from.IsZero() {
		lo = from.UnixMilli()
	}
	if !to.IsZero() {
		hi = to.UnixMilli()
	}
	for {
		batch, err := a.query(ctx, `SELECT `+auditColumns+` FROM audit_events
			WHERE occurred_at >= $1 AND occurred_at < $2 AND id > $3 ORDER BY id LIMIT $4`, lo, hi, after, auditScanBatch)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < auditScanBatch {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// LastEvent implements audit.Store.
func (a *Audit) LastEvent(ctx context.Context, action, target string) (*audit.Event, error) {
	events, err := a.query(ctx, `SELECT `+auditColumns+` FROM audit_events
		WHERE action = $1 AND target = $2 ORDER BY id DESC LIMIT 1`, action, target)
	if err != nil || len(events) == 0 {
		return nil, err
	}
	return &events[0], nil
}

func (a *Audit) query(ctx context.Context, stmt string, args ...any) ([]audit.Event, error) {
	rows, err := a.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var (
			e                      audit.Event
			at                     int64
			outcome                string
			before, after, details sql.NullString
		)
		if err := rows.Scan(&e.ID, &at, &e.ActorRef, &e.ActorKind, &e.Action, &e.Target, &outcome, &e.Rule,
			&e.IP, &e.UserAgent, &before, &after, &details); err != nil {
			return nil, fmt.Errorf("read audit event: %w", err)
		}
		e.Time = time.UnixMilli(at).UTC()
		e.Outcome = audit.Outcome(outcome)
		e.Before, e.After, e.Details = rawJSON(before), rawJSON(after), rawJSON(details)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	return out, nil
}

func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}
