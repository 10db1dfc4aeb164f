-- What a connector keeps about one cloud between runs (a Takeout source's catalogue of the archive
-- parts it has indexed): JSON values by key, listed in the order they were first stored.
CREATE TABLE cloud_state (
  cloud_id   uuid NOT NULL REFERENCES clouds (id) ON DELETE CASCADE,
  key        text NOT NULL,
  value      jsonb NOT NULL,
  seq        bigserial,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (cloud_id, key)
);

-- The same photo however it was read (see SourceItem.identity): a full-fidelity copy supersedes a
-- reduced one (a Picker copy) at the same destination, and the reduced copy's manifest row says by what.
ALTER TABLE run_items ADD COLUMN identity text;
ALTER TABLE run_items ADD COLUMN supersedes jsonb;
ALTER TABLE manifest ADD COLUMN identity text;
ALTER TABLE manifest ADD COLUMN superseded_by jsonb;
ALTER TABLE manifest DROP CONSTRAINT manifest_fidelity_check;
ALTER TABLE manifest ADD CONSTRAINT manifest_fidelity_check CHECK (fidelity IN ('original', 'reduced', 'superseded'));
CREATE INDEX manifest_identity_idx ON manifest (identity) WHERE identity IS NOT NULL;

-- When the plan finished listing the source (a Takeout source deletes only archives listed before
-- a run that then copied everything), and whether the source reads only front to back (.tgz): such
-- a run is copied by one job, one item at a time, in the order listed.
ALTER TABLE runs ADD COLUMN planned_at timestamptz;
ALTER TABLE runs ADD COLUMN sequential boolean NOT NULL DEFAULT false;
