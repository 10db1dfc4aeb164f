-- The operator's console: administrators promoted by command (besides those FERRY_ADMINS names),
-- suspended accounts, and what a plan allows besides its traffic.
ALTER TABLE users ADD COLUMN admin boolean NOT NULL DEFAULT false;
-- A suspended account cannot sign in, its runs were cancelled and its tasks' schedules are held
-- (next_run_at and next_verify_at NULL, as for a paused task) until it is resumed.
ALTER TABLE users ADD COLUMN suspended_at timestamptz;
ALTER TABLE users ADD COLUMN suspended_reason text;
CREATE INDEX users_created_idx ON users (created_at, id);

-- NULL: no limit, every provider.
ALTER TABLE plans ADD COLUMN max_tasks integer CHECK (max_tasks >= 0);
ALTER TABLE plans ADD COLUMN max_clouds integer CHECK (max_clouds >= 0);
ALTER TABLE plans ADD COLUMN allowed_providers text[];
ALTER TABLE plans ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- The audit log read newest first, by everyone's actions (the console) as well as by one user's.
CREATE INDEX audit_log_time_idx ON audit_log (created_at DESC, id DESC);
