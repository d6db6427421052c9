-- Durable workflows: tasks may wait (for an approval, a callback or a
-- timer), what they wait for and the approvers' votes are kept, and every
-- ended step attempt is recorded. Times are Unix milliseconds; 0 means
-- never.

-- scaffolder_tasks.status also allows 'waiting'. SQLite cannot alter a
-- CHECK, so the table is rebuilt. Foreign keys are on and DROP TABLE
-- deletes its rows first, which would cascade to the events and steps:
-- the children are rebuilt too, referencing the new table, and the old
-- children are dropped before the old parent. Renaming the new parent
-- rewrites the children's references to it.
CREATE TABLE scaffolder_tasks_new (
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'processing', 'waiting', 'completed', 'failed', 'cancelled', 'skipped')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  run_after INTEGER NOT NULL DEFAULT 0,
  cancel_requested_at INTEGER NOT NULL DEFAULT 0,
  recoverable INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 1,
  ended_at INTEGER NOT NULL DEFAULT 0,
  secrets TEXT,
  state TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO scaffolder_tasks_new (id, spec, status, created_by, created_at, last_heartbeat_at, lease_owner, lease_until,
    run_after, cancel_requested_at, recoverable, attempt, ended_at, secrets, state)
  SELECT id, spec, status, created_by, created_at, last_heartbeat_at, lease_owner, lease_until,
    run_after, cancel_requested_at, recoverable, attempt, ended_at, secrets, state
  FROM scaffolder_tasks;

CREATE TABLE scaffolder_task_events_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks_new (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
INSERT INTO scaffolder_task_events_new (id, task_id, type, body, created_at)
  SELECT id, task_id, type, body, created_at FROM scaffolder_task_events;
-- Event ids only grow: carry the old counter over, since events with the
-- highest ids may have been deleted (retries drop completion events).
DELETE FROM sqlite_sequence WHERE name = 'scaffolder_task_events_new';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'scaffolder_task_events_new', seq FROM sqlite_sequence WHERE name = 'scaffolder_task_events';

CREATE TABLE scaffolder_task_steps_new (
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks_new (id) ON DELETE CASCADE,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  output TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, step_id)
);
INSERT INTO scaffolder_task_steps_new (task_id, step_id, attempt, status, output, error, started_at, ended_at)
  SELECT task_id, step_id, attempt, status, output, error, started_at, ended_at FROM scaffolder_task_steps;

DROP TABLE scaffolder_task_events;
DROP TABLE scaffolder_task_steps;
DROP TABLE scaffolder_tasks;
ALTER TABLE scaffolder_tasks_new RENAME TO scaffolder_tasks;
ALTER TABLE scaffolder_task_events_new RENAME TO scaffolder_task_events;
ALTER TABLE scaffolder_task_steps_new RENAME TO scaffolder_task_steps;

CREATE INDEX scaffolder_tasks_claim ON scaffolder_tasks (status, run_after, created_at);
CREATE INDEX scaffolder_tasks_lease ON scaffolder_tasks (status, lease_until);
CREATE INDEX scaffolder_tasks_created_by ON scaffolder_tasks (created_by, created_at);
CREATE INDEX scaffolder_tasks_created_at ON scaffolder_tasks (created_at);
CREATE INDEX scaffolder_task_events_task ON scaffolder_task_events (task_id, id);

-- What a parked step waits for: one row per task, step and "each"
-- iteration ('' outside "each"). kind is approval, callback or sleep.
-- until_at is the sleep's end or the timeout (0 = none). token_hash is the
-- SHA-256 (hex) of a callback's token, '' for other kinds. request is the
-- wait's description (JSON; an approval's request), result what resolved
-- it (JSON) once resolved is 1.
CREATE TABLE scaffolder_waits (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  step_id TEXT NOT NULL,
  iteration TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  until_at INTEGER NOT NULL DEFAULT 0,
  token_hash TEXT NOT NULL DEFAULT '',
  request TEXT NOT NULL DEFAULT 'null',
  resolved INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT 'null',
  resolved_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (task_id, step_id, iteration)
);
CREATE UNIQUE INDEX scaffolder_waits_token ON scaffolder_waits (token_hash) WHERE token_hash <> '';
CREATE INDEX scaffolder_waits_created_at ON scaffolder_waits (kind, created_at);

-- Who may decide an approval (user and group refs); (ref, wait_id) serves
-- an approver's inbox.
CREATE TABLE scaffolder_wait_approvers (
  wait_id TEXT NOT NULL REFERENCES scaffolder_waits (id) ON DELETE CASCADE,
  ref TEXT NOT NULL,
  PRIMARY KEY (wait_id, ref)
);
CREATE INDEX scaffolder_wait_approvers_ref ON scaffolder_wait_approvers (ref, wait_id);

-- One vote per approver and approval. via is api, ui or slack.
CREATE TABLE scaffolder_votes (
  wait_id TEXT NOT NULL REFERENCES scaffolder_waits (id) ON DELETE CASCADE,
  actor TEXT NOT NULL,
  decision TEXT NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  via TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL,
  PRIMARY KEY (wait_id, actor)
);
CREATE INDEX scaffolder_votes_actor ON scaffolder_votes (actor, wait_id);

-- Every ended step attempt, append-only (scaffolder_task_steps keeps only
-- the latest state of each step).
CREATE TABLE scaffolder_step_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  output TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX scaffolder_step_runs_task ON scaffolder_step_runs (task_id, id);
