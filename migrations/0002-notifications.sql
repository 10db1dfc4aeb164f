-- Notifications: what the mail outbox needs to retry without ever sending twice, signed webhooks
-- and their deliveries, and address verification at signup.

-- A mail is rendered completely when it is queued, so every attempt sends the same message (same
-- Message-ID, same Date); a recipient's mail client folds a repeat after a crash into the first.
ALTER TABLE mail_outbox
  -- One mail per cause (a run's end, a month's quota, a cloud losing its sign-in): queuing the same
  -- cause again is a no-op.
  ADD COLUMN dedupe_key      text UNIQUE,
  ADD COLUMN last_attempt_at timestamptz,
  -- Set when the mail cannot be delivered at all (the server refused the recipient).
  ADD COLUMN failed_at       timestamptz;
CREATE INDEX mail_outbox_run_idx ON mail_outbox (run_id) WHERE run_id IS NOT NULL;

-- A task's webhook signing secret, sealed like cloud credentials (see crypto.ts).
ALTER TABLE tasks
  ADD COLUMN webhook_secret text,
  ADD COLUMN webhook_key_id text;

CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  task_id         uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  run_id          uuid REFERENCES runs (id) ON DELETE CASCADE,
  event           text NOT NULL,
  url             text NOT NULL,
  -- Exactly the bytes sent (and signed) on every attempt.
  body            text NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz,
  failed_at       timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, event)
);
CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (created_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Links mailed at signup when the operator asks for verified addresses. Only a digest is stored.
CREATE TABLE email_verifications (
  token_digest text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at   timestamptz NOT NULL
);
CREATE INDEX email_verifications_user_idx ON email_verifications (user_id);
