-- Durable workflows: tasks may wait (for an approval, a callback or a
-- timer), what they wait for and the approvers' votes are kept, and every
-- ended step attempt is recorded. Times are Unix milliseconds; 0 means
-- never.

-- scaffolder_tasks.status also allows 'waiting'.
ALTER TABLE scaffolder_tasks DROP CONSTRAINT scaffolder_tasks_status_check;
ALTER TABLE scaffolder_tasks ADD CONSTRAINT scaffolder_tasks_status_check
  CHECK (status IN ('open', 'processing', 'waiting', 'completed', 'failed', 'cancelled', 'skipped'));

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
  created_at BIGINT NOT NULL,
  until_at BIGINT NOT NULL DEFAULT 0,
  token_hash TEXT NOT NULL DEFAULT '',
  request TEXT NOT NULL DEFAULT 'null',
  resolved BIGINT NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT 'null',
  resolved_at BIGINT NOT NULL DEFAULT 0,
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
  at BIGINT NOT NULL,
  PRIMARY KEY (wait_id, actor)
);
CREATE INDEX scaffolder_votes_actor ON scaffolder_votes (actor, wait_id);

-- Every ended step attempt, append-only (scaffolder_task_steps keeps only
-- the latest state of each step).
CREATE TABLE scaffolder_step_runs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  step_id TEXT NOT NULL,
  attempt BIGINT NOT NULL,
  status TEXT NOT NULL,
  output TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  started_at BIGINT NOT NULL DEFAULT 0,
  ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scaffolder_step_runs_task ON scaffolder_step_runs (task_id, id);
