-- Failed logins per account, counted in fixed windows: past the limit, logins to that address are
-- refused until the window ends. Kept here so every API process counts the same failures. Keyed by
-- a digest of the lowercased address, whether or not an account has it, so the limit tells nothing
-- of who has an account and the table holds no address.
CREATE TABLE login_failures (
  email_digest text PRIMARY KEY,
  failures     integer NOT NULL,
  window_start timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_window_idx ON login_failures (window_start);
