-- Sign-ins in progress (connecting a cloud by OAuth), kept by Ferry instead of in browser cookies:
-- the callback is accepted only from the same Ferry session (or access token) that started it, so
-- a state and verifier taken from one browser cannot land someone's cloud in another account.

CREATE TABLE oauth_flows (
  -- Digest of the state sent to the provider; the state itself is only in the authorize URL.
  state_digest text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Digest of the session cookie or access token that started the sign-in.
  started_by   text NOT NULL,
  kind         text NOT NULL,
  -- The PKCE code verifier the token request must present.
  verifier     text NOT NULL,
  -- The name asked for the new cloud; NULL: the account's.
  name         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX oauth_flows_expiry_idx ON oauth_flows (expires_at);
