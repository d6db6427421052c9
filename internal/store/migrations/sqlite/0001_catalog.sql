-- The catalog: processing state, final (stitched) entities, relations, the
-- search table that filters, facets and sorting read, registered locations
-- and the history of every entity's final form.
-- Internal integer ids join the tables; metadata.uid is entity_id (a UUID).
-- Times are Unix milliseconds. Hot tables carry no foreign keys: the engine
-- deletes dependent rows itself, which keeps bulk inserts cheap.

CREATE TABLE locations (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  target TEXT NOT NULL,
  presence TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (type, target)
);

CREATE TABLE refresh_state (
  id INTEGER PRIMARY KEY,
  entity_id TEXT NOT NULL UNIQUE,
  entity_ref TEXT NOT NULL UNIQUE,
  unprocessed_entity TEXT NOT NULL,
  unprocessed_hash TEXT NOT NULL,
  processed_entity TEXT,
  result_hash TEXT NOT NULL DEFAULT '',
  cache TEXT NOT NULL DEFAULT '',
  errors TEXT NOT NULL DEFAULT '',
  location_key TEXT,
  last_discovery_at INTEGER NOT NULL
);

-- When each entity is next due for processing (id is refresh_state.id),
-- apart from refresh_state so that claiming a batch rewrites a few narrow
-- rows rather than the entities' JSON. lease_until keeps a claimed entity
-- from being claimed again (say after a refresh made it due meanwhile)
-- until its result is written.
CREATE TABLE refresh_schedule (
  id INTEGER PRIMARY KEY,
  next_update_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_schedule_next_update_at ON refresh_schedule (next_update_at);

-- Who keeps an entity alive: a provider (source_key) or the entity that
-- emitted it (source_entity_ref). No row targeting an entity = orphan.
CREATE TABLE refresh_state_references (
  id INTEGER PRIMARY KEY,
  source_key TEXT,
  source_entity_ref TEXT,
  target_entity_ref TEXT NOT NULL
);
CREATE INDEX refresh_state_references_source_key ON refresh_state_references (source_key);
CREATE INDEX refresh_state_references_source_entity_ref ON refresh_state_references (source_entity_ref);
CREATE INDEX refresh_state_references_target ON refresh_state_references (target_entity_ref);

-- Relations emitted by processing; originating_id is the refresh_state.id
-- whose processing produced the row.
CREATE TABLE relations (
  id INTEGER PRIMARY KEY,
  originating_id INTEGER NOT NULL,
  source_entity_ref TEXT NOT NULL,
  type TEXT NOT NULL,
  target_entity_ref TEXT NOT NULL
);
CREATE INDEX relations_originating ON relations (originating_id);
CREATE INDEX relations_source ON relations (source_entity_ref);

CREATE TABLE refresh_keys (
  entity_id INTEGER NOT NULL,
  key TEXT NOT NULL
);
CREATE INDEX refresh_keys_entity ON refresh_keys (entity_id);
CREATE INDEX refresh_keys_key ON refresh_keys (key);

-- id is refresh_state.id.
CREATE TABLE final_entities (
  id INTEGER PRIMARY KEY,
  entity_id TEXT NOT NULL UNIQUE,
  entity_ref TEXT NOT NULL UNIQUE,
  final_entity TEXT NOT NULL,
  hash TEXT NOT NULL,
  -- etag is metadata.etag of final_entity: the hash unless the source set one.
  etag TEXT NOT NULL DEFAULT '',
  last_updated_at INTEGER NOT NULL
);

-- One row per leaf of the final entity (Backstage's buildEntitySearch).
-- key and value are lower-cased; value is NULL for nulls and values over 200
-- characters; original_value is NULL when it equals value, so facets read
-- COALESCE(original_value, value).
CREATE TABLE search (
  id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT,
  original_value TEXT
);
CREATE INDEX search_key_value ON search (key, value, id);
CREATE INDEX search_id ON search (id);

CREATE TABLE stitch_queue (
  entity_ref TEXT PRIMARY KEY,
  ticket TEXT NOT NULL,
  next_stitch_at INTEGER NOT NULL
);
CREATE INDEX stitch_queue_next ON stitch_queue (next_stitch_at);

CREATE TABLE entity_history (
  id INTEGER PRIMARY KEY,
  entity_ref TEXT NOT NULL,
  entity_uid TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  change TEXT NOT NULL,
  previous_etag TEXT NOT NULL DEFAULT '',
  new_etag TEXT NOT NULL DEFAULT '',
  diff TEXT NOT NULL
);
CREATE INDEX entity_history_ref ON entity_history (entity_ref, id);

-- generation grows whenever final entities change; readers use it to know
-- cached counts are still current.
CREATE TABLE catalog_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT INTO catalog_state (id, generation) VALUES (1, 0);
