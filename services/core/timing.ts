// The clock and the durations Ferry's jobs keep to, in one object the processes' dependencies carry:
// services/main.ts builds it with the defaults below, and tests build one of their own to drive time
// (a clock set ahead, a shorter lease) instead of sleeping.

export interface Timing {
  /** The current time, as far as Ferry's own decisions go (the database keeps its own for leases). */
  now(): Date;
  /** A copy job's hold on an item outlives a dead worker by this much. */
  leaseSeconds: number;
  /** A live copy job renews its leases, and looks whether its run was cancelled, this often. */
  renewMs: number;
  /** Retries of an item within one claim wait this long at first, then twice as long, up to the max. */
  itemRetryMs: { first: number; max: number };
  /** How long a run waits when a destination refuses uploads for a while without saying until when. */
  parkMs: number;
  /** Past their jobs' quick retries, undelivered mails and webhooks are queued again this often. */
  sweepSeconds: number;
  /** How often workers look for new jobs of each kind when no notification woke them. */
  pollSeconds: { runs: number; notifications: number };
}

export const defaultTiming: Timing = {
  now: () => new Date(),
  leaseSeconds: 20,
  renewMs: 1000,
  itemRetryMs: { first: 1000, max: 15_000 },
  parkMs: 3600_000,
  sweepSeconds: 600,
  pollSeconds: { runs: 0.5, notifications: 1 },
};
