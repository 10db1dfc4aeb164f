-- The account's life cycle: sessions a user can list and end, single-use links (a password reset,
-- a change of address), two-factor sign-in.

-- A session gets an id to be listed and ended by, and what the list says of it.
ALTER TABLE sessions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE sessions ADD COLUMN last_used_at timestamptz;
ALTER TABLE sessions ADD COLUMN ip text;
ALTER TABLE sessions ADD COLUMN user_agent text;
CREATE UNIQUE INDEX sessions_id_key ON sessions (id);
-- And a token, where it was last used from.
ALTER TABLE api_tokens ADD COLUMN last_used_ip text;

-- Links mailed for one use, and the step between a password and a second factor. Only a digest of
-- the token is kept; `email` is the new address of a change of address.
CREATE TABLE account_tokens (
  token_digest text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose      text NOT NULL CHECK (purpose IN ('password_reset', 'email_change', 'second_factor')),
  email        text,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expiry_idx ON account_tokens (expires_at);

-- Two-factor sign-in (TOTP): the seed sealed with the secret key, on once a first code was right;
-- the last time step accepted, so a code is good once. Recovery codes by digest, each good once.
ALTER TABLE users ADD COLUMN totp_secret text;
ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz;
ALTER TABLE users ADD COLUMN totp_last_step bigint;
CREATE TABLE recovery_codes (
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_digest text NOT NULL,
  PRIMARY KEY (user_id, code_digest)
);
