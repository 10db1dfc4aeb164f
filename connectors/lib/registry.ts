// What a process keeps per provider account (its pacer, Google Photos' batcher): shared by every
// handle on one account, since the provider's limits are per account, and bounded, so a service
// that has seen many accounts does not keep them all.

/**
 * Per-account state of one process (pacers, batchers), shared by every handle on that account and
 * bounded: past `max` entries the least recently used goes (a handle holding it keeps using it).
 */
export class AccountRegistry {
  private readonly max: number;
  // A Map iterates in insertion order: an entry used is moved to the end, so the first is the oldest.
  private readonly entries = new Map<string, unknown>();

  constructor(max = 1000) {
    if (!(max >= 1)) throw new RangeError(`An account registry holds at least one entry, not ${max}.`);
    this.max = max;
  }

  /** The `scope` state of account `key`, made by `make` the first time; key undefined: a fresh, unshared one. */
  get<T>(scope: string, key: string | undefined, make: () => T): T {
    if (key === undefined) return make();
    // The scope names the connector and what it keeps ('google-drive:pacer'); JSON keeps the pair apart.
    const id = JSON.stringify([scope, key]);
    if (this.entries.has(id)) {
      const value = this.entries.get(id) as T;
      this.entries.delete(id);
      this.entries.set(id, value);
      return value;
    }
    const value = make();
    this.entries.set(id, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
