-- Lists too long for one cloud_state value, kept a row per entry: a Takeout source's catalogue (a
-- row per medium of the backup) is written once per revision of its index, then read a page at a
-- time by the plans and a row at a time by the copy jobs, so no process holds it whole.
CREATE TABLE cloud_rows (
  cloud_id uuid NOT NULL REFERENCES clouds (id) ON DELETE CASCADE,
  list     text NOT NULL,
  n        integer NOT NULL,
  key      text NOT NULL,
  value    jsonb NOT NULL,
  PRIMARY KEY (cloud_id, list, n)
);
CREATE INDEX cloud_rows_key_idx ON cloud_rows (cloud_id, list, key);
