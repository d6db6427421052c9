-- The scaffolder: tasks, their events and the state of each step, and the
-- key that seals task secrets when the configuration names none. Times are
-- Unix milliseconds; 0 means never.

-- A task is one run of a template. spec is the TaskSpec JSON the run
-- follows. A worker owns a processing task while lease_until is in the
-- future and renews it with each heartbeat; a lapsed lease means its
-- worker died. secrets is the AES-GCM sealed JSON of the task's secrets
-- (base64), cleared when the task ends. state holds checkpoints. attempt
-- counts runs (retries and recoveries add one). run_after holds a task
-- back until then (retry backoff, sleeps).
CREATE TABLE scaffolder_tasks (
  id TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'processing', 'completed', 'failed', 'cancelled', 'skipped')),
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
CREATE INDEX scaffolder_tasks_claim ON scaffolder_tasks (status, run_after, created_at);
CREATE INDEX scaffolder_tasks_lease ON scaffolder_tasks (status, lease_until);
CREATE INDEX scaffolder_tasks_created_by ON scaffolder_tasks (created_by, created_at);
CREATE INDEX scaffolder_tasks_created_at ON scaffolder_tasks (created_at);

-- Task events in Backstage's shape; ids only grow (AUTOINCREMENT), so a
-- reader resumes after the last id it saw.
CREATE TABLE scaffolder_task_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX scaffolder_task_events_task ON scaffolder_task_events (task_id, id);

-- Each step's latest state: written when it starts and when it ends, so a
-- resumed task knows what is done and what each step returned. attempt
-- is the task attempt that wrote the row; output is a JSON object.
CREATE TABLE scaffolder_task_steps (
  task_id TEXT NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  step_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  output TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (task_id, step_id)
);

-- Keys the scaffolder keeps: the generated secrets key when
-- scaffolder.secretsKey is not configured, shared by every replica.
CREATE TABLE scaffolder_keys (
  name TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
