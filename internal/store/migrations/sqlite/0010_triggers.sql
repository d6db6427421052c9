-- Triggered tasks: one row per fire of a template's schedule or catalog
-- trigger. The primary key makes each fire happen once across replicas: a
-- scheduler inserts the row first and creates the task only when its
-- insert took place. fire_key is "cron:<UTC minute>" or "event:<entity
-- history id>". task_id is '' until the task exists; error says why a
-- fire created no task. Times are Unix milliseconds.
CREATE TABLE scaffolder_trigger_fires (
  template_ref TEXT NOT NULL,
  fire_key TEXT NOT NULL,
  task_id TEXT NOT NULL DEFAULT '',
  fired_at INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (template_ref, fire_key)
);

-- The id of the last entity_history row the catalog triggers handled;
-- one row, made on first use at the newest history row.
CREATE TABLE scaffolder_trigger_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  position INTEGER NOT NULL
);
