-- What every worker process keeps to on one provider account, so that two workers on one account
-- behave as one: a token bucket (tokens as of `at`, refilled at the rate the taker states), and a
-- pause every process waits out (a Retry-After) or, when long, parks on (a daily cap), with why.
-- Unlogged: it is pacing, not data; after a crash the buckets start full, as a new process's would.
CREATE UNLOGGED TABLE rate_limits (
  key          text PRIMARY KEY,
  tokens       double precision NOT NULL,
  at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  paused_until timestamptz,
  why          text
);
