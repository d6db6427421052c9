package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/store"
)

// TestAuditScripts runs testdata/audit: scripts that need an audit log to
// export, which seed-audit writes.
func TestAuditScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/audit",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"seed-audit": seedAudit,
		},
	})
}

// seedAudit DBFILE N DAY records N events on DAY (YYYY-MM-DD), one an hour
// from midnight UTC, in the SQLite database DBFILE, migrating it first.
func seedAudit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: seed-audit DBFILE N DAY")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	day, err := time.Parse(time.DateOnly, args[2])
	ts.Check(err)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{Dialect: store.SQLite, DSN: ts.MkAbs(args[0])})
	ts.Check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	ts.Check(err)
	s := store.NewAudit(db)
	for i := range n {
		details, _ := json.Marshal(map[string]int{"n": i})
		_, err := s.AppendEvent(ctx, audit.Event{
			Time: day.Add(time.Duration(i) * time.Hour), ActorRef: "user:default/jane", ActorKind: "user",
			Action: "catalog.location.create", Target: fmt.Sprintf("url:https://example.com/%d.yaml", i),
			Outcome: audit.OutcomeSucceeded, Details: details,
		})
		ts.Check(err)
	}
}
