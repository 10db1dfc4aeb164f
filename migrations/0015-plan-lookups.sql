-- A plan looks up what it needs in the database a batch at a time instead of holding a task's
-- whole manifest in memory (a library of a million files made a plan of several hundred MiB).
--
-- dest_key: a destination path as the plan compares paths (pathKey in core/path-key.ts: NFC, lower
-- case as JavaScript folds it, which PostgreSQL's lower() does not match outside ASCII), so it is
-- written by Ferry beside the path. Rows written before this have none: a task's next plan fills
-- them in before it looks any up (fillDestKeys in worker/runs/plan-lookups.ts).
ALTER TABLE manifest ADD COLUMN dest_key text;
CREATE INDEX manifest_dest_key_idx ON manifest (task_id, dest_key);
-- The path the plan gave an item (the copy may later take another: rename policy).
ALTER TABLE run_items ADD COLUMN dest_key text;
CREATE INDEX run_items_dest_key_idx ON run_items (run_id, dest_key);

-- What a plan listed, while it plans: the source's ids ('s', to find files gone from the source
-- once the listing is complete) and the destination's path keys ('d'). Emptied when the plan ends;
-- unlogged, as a plan that a crash interrupted starts over and lists again.
CREATE UNLOGGED TABLE plan_listing (
  run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind   char(1) NOT NULL CHECK (kind IN ('s', 'd')),
  key    text NOT NULL,
  PRIMARY KEY (run_id, kind, key)
);
