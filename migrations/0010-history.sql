-- A backup keeps its past: every copy a task made, after a later one replaced it, and runs that
-- restore a point in time of it or verify it.

-- backup: copies the task's source to its destination. restore: copies a point in time of the
-- backup (spec) into a cloud. verify: checks every copy the backup holds against the destination.
ALTER TABLE runs ADD COLUMN kind text NOT NULL DEFAULT 'backup' CHECK (kind IN ('backup', 'restore', 'verify'));
-- A restore's request as resolved when it was made: {at, runId, paths, destination, conflict}.
ALTER TABLE runs ADD COLUMN spec jsonb;
-- Versions this run removed from the destination (beyond the task's keep, or older than its days).
ALTER TABLE runs ADD COLUMN versions_removed integer NOT NULL DEFAULT 0;

-- When a task next verifies its backup by itself (options.verifySchedule), as next_run_at for runs.
ALTER TABLE tasks ADD COLUMN next_verify_at timestamptz;
CREATE INDEX tasks_verify_due_idx ON tasks (next_verify_at) WHERE next_verify_at IS NOT NULL;

-- Every copy a backup made, one row per copy: the manifest holds the newest of each file, this table
-- all of them, with when each stopped being the newest. A snapshot at time T is the rows copied by
-- T, not replaced by T and whose file the source still had at T.
CREATE TABLE copies (
  id             bigserial PRIMARY KEY,
  task_id        uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  source_id      text NOT NULL,
  run_id         uuid REFERENCES runs (id) ON DELETE SET NULL,
  -- Where the file is in the backup, relative to the task's destination folder (what the tree shows
  -- and a restore writes), and where the copy is now (a replaced copy kept as a version moves).
  path           text NOT NULL,
  dest_path      text NOT NULL,
  -- The file's path in the source, relative to the folder the task reads (unknown for copies made
  -- before this table existed).
  source_path    text,
  size           bigint,
  source_mtime   timestamptz,
  source_version text NOT NULL,
  dest_hash      text,
  copied_at      timestamptz NOT NULL DEFAULT now(),
  -- A newer copy of the same file took its place: kept at dest_path (a version) or overwritten.
  replaced_at    timestamptz,
  -- A run found the file gone from the source; the copy stays at the destination.
  deleted_at     timestamptz,
  -- The copy is no longer at the destination (overwritten, or a version removed): history only.
  removed_at     timestamptz
);
CREATE INDEX copies_task_idx ON copies (task_id, path, copied_at DESC);
-- One newest copy per file.
CREATE UNIQUE INDEX copies_newest ON copies (task_id, source_id) WHERE replaced_at IS NULL;

-- The copies made before: each as the newest of its file, at the path the manifest gives.
INSERT INTO copies (task_id, source_id, path, dest_path, size, source_mtime, source_version, dest_hash, copied_at)
SELECT m.task_id, m.source_id,
       CASE WHEN coalesce(t.destination->>'path', '') = '' THEN m.dest_path
            WHEN left(m.dest_path, length(t.destination->>'path') + 1) = (t.destination->>'path') || '/'
              THEN substr(m.dest_path, length(t.destination->>'path') + 2)
            ELSE m.dest_path END,
       m.dest_path, m.source_size, m.source_mtime, m.source_version, m.dest_hash, m.copied_at
  FROM manifest m JOIN tasks t ON t.id = m.task_id
 WHERE m.fidelity <> 'superseded';
