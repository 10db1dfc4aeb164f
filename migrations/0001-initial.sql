-- Ferry's first schema. Forward-only: never edit this file once applied; add 0002-… instead.

CREATE TABLE plans (
  id                    text PRIMARY KEY,
  name                  text NOT NULL,
  monthly_traffic_bytes bigint NOT NULL CHECK (monthly_traffic_bytes >= 0)
);
INSERT INTO plans (id, name, monthly_traffic_bytes) VALUES ('free', 'Free', 5 * 1024 * 1024 * 1024::bigint);

CREATE TABLE users (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email             text NOT NULL,
  password_hash     text NOT NULL,
  plan_id           text NOT NULL DEFAULT 'free' REFERENCES plans (id),
  -- Per-user override of the plan's monthly traffic; NULL: the plan's.
  traffic_limit_bytes bigint CHECK (traffic_limit_bytes >= 0),
  locale            text NOT NULL DEFAULT 'en',
  email_verified_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Browser sessions. Only a digest of the cookie value is stored.
CREATE TABLE sessions (
  id_digest    text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Personal access tokens for API clients. Only a digest of the token is stored.
CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  token_digest text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Traffic per user and calendar month (UTC). reserved_bytes is held by items being copied now.
CREATE TABLE usage (
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  period_start   date NOT NULL,
  used_bytes     bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
  reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0),
  PRIMARY KEY (user_id, period_start)
);

-- Connected clouds. options holds what may be shown; secrets is sealed (AES-256-GCM, see crypto.ts).
CREATE TABLE clouds (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind        text NOT NULL,
  name        text NOT NULL,
  options     jsonb NOT NULL DEFAULT '{}',
  secrets     text,
  key_id      text,
  status      text NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_reauth', 'error')),
  last_error  text,
  checked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clouds_user_idx ON clouds (user_id, created_at);

CREATE TABLE tasks (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name                 text NOT NULL,
  source_cloud_id      uuid NOT NULL REFERENCES clouds (id) ON DELETE RESTRICT,
  source               jsonb NOT NULL,
  destination_cloud_id uuid NOT NULL REFERENCES clouds (id) ON DELETE RESTRICT,
  destination          jsonb NOT NULL,
  schedule             jsonb,
  next_run_at          timestamptz,
  filter               jsonb NOT NULL DEFAULT '{}',
  options              jsonb NOT NULL DEFAULT '{}',
  notify               jsonb NOT NULL DEFAULT '{}',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_user_idx ON tasks (user_id, created_at);
CREATE INDEX tasks_due_idx ON tasks (next_run_at) WHERE next_run_at IS NOT NULL;

CREATE TABLE runs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id        uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status         text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'quota_exceeded')),
  trigger        text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  total_items    integer NOT NULL DEFAULT 0,
  total_bytes    bigint NOT NULL DEFAULT 0,
  done_items     integer NOT NULL DEFAULT 0,
  done_bytes     bigint NOT NULL DEFAULT 0,
  skipped_items  integer NOT NULL DEFAULT 0,
  skipped_bytes  bigint NOT NULL DEFAULT 0,
  failed_items   integer NOT NULL DEFAULT 0,
  error          text,
  -- Set when an item did not fit in the user's traffic quota: the rest waits for the next run.
  quota_hit_at   timestamptz
);
CREATE INDEX runs_task_idx ON runs (task_id, created_at DESC);
CREATE INDEX runs_user_idx ON runs (user_id, created_at DESC);
-- At most one unfinished run per task.
CREATE UNIQUE INDEX runs_one_active_per_task ON runs (task_id) WHERE status IN ('queued', 'running');

CREATE TABLE run_items (
  id          bigserial PRIMARY KEY,
  run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  source_id   text NOT NULL,
  path        text NOT NULL,
  size        bigint,
  modified_at timestamptz,
  media_type  text NOT NULL DEFAULT 'other',
  version     text NOT NULL DEFAULT '',
  hashes      jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'copying', 'done', 'skipped', 'failed')),
  attempts    integer NOT NULL DEFAULT 0,
  dest_path   text,
  -- May overwrite whatever is at dest_path: it is this task's own earlier copy of the item.
  replaces_own boolean NOT NULL DEFAULT false,
  -- Something was at dest_path when the run was planned (true when the destination cannot list).
  dest_exists boolean NOT NULL DEFAULT true,
  error       text,
  -- Upload-session state of a resumable upload in progress (connector-specific).
  upload_state jsonb,
  -- A worker copying the item holds it until then, and extends the lease while it works.
  lease_until timestamptz,
  -- Bytes of this item the destination has acknowledged: live progress of large files.
  progress_bytes bigint NOT NULL DEFAULT 0,
  -- Quota held for this item while it is copied, and the month it was taken from.
  reserved_bytes bigint NOT NULL DEFAULT 0,
  reserved_period date,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, source_id)
);
CREATE INDEX run_items_status_idx ON run_items (run_id, status, id);

-- Every verified copy a task has made: what makes runs incremental.
CREATE TABLE manifest (
  task_id      uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  source_id    text NOT NULL,
  source_size  bigint,
  source_mtime timestamptz,
  source_version text NOT NULL,
  dest_path    text NOT NULL,
  dest_id      text,
  dest_hash    text,
  copied_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, source_id)
);

-- Mail is written here in the same transaction as the change that causes it, then sent by a job.
CREATE TABLE mail_outbox (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
  run_id      uuid REFERENCES runs (id) ON DELETE SET NULL,
  kind        text NOT NULL,
  recipient   text NOT NULL,
  subject     text NOT NULL,
  text_body   text NOT NULL,
  html_body   text,
  message_id  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text,
  sent_at     timestamptz
);
CREATE INDEX mail_outbox_unsent_idx ON mail_outbox (created_at) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
  action     text NOT NULL,
  target_id  text,
  ip         text,
  details    jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at DESC);

-- A value sealed with the secret key at first start: later starts open it to prove they hold the
-- same key, and refuse to run otherwise (instead of failing later on every cloud).
CREATE TABLE secret_key_check (
  id     integer PRIMARY KEY CHECK (id = 1),
  sealed text NOT NULL
);
