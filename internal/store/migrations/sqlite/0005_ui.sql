-- The web UI: starred entities, and indexes that keep the home page's
-- catalog health counts bounded.

-- Entities a user starred. user_ref and entity_ref are canonical
-- (lower-cased) refs; a star outlives its entity, and the pages simply do
-- not show stars of entities that are gone.
CREATE TABLE stars (
  user_ref TEXT NOT NULL,
  entity_ref TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_ref, entity_ref)
);

-- Entities whose latest processing failed: the failed list and its count
-- read only these rows, however large the catalog.
CREATE INDEX refresh_state_failed ON refresh_state (entity_ref) WHERE errors NOT IN ('', '[]');

-- Relations by type and target: the distinct owners of the catalog are a
-- walk over (ownedBy, target) that seeks from one owner to the next, so
-- finding owners that resolve to no entity costs one probe per owner, not
-- one per owned entity.
CREATE INDEX relations_type_target ON relations (type, target_entity_ref);
