-- Addresses a task's notify.email names besides the account's own. Ferry mails such an address
-- only a confirmation link until its owner follows it; run mails go to the account's address
-- meanwhile. Confirmed per account: one user's confirmed address is not another's.
CREATE TABLE notify_addresses (
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Lower-cased.
  email            text NOT NULL,
  -- The link of the last confirmation mail; only a digest is stored.
  token_digest     text UNIQUE,
  token_expires_at timestamptz,
  -- When the last confirmation mail was queued: at most one a day per address.
  asked_at         timestamptz,
  confirmed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, email)
);

-- The per-account mail rate limit counts an account's mail of the last hour.
CREATE INDEX mail_outbox_user_recent_idx ON mail_outbox (user_id, created_at);
