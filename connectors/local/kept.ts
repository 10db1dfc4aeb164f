// Handles opened once for the uses that overlap, and kept a moment after the last before they are
// closed. Opening and closing cost more than most reads (each is a trip through the thread pool):
// a run of small files opened a cloud's folder again per file, and indexing an archive opened the
// archive again for each of its thousands of JSON files.

/** How long a handle stays open after its last use. */
export const KEPT_MS = 500;

interface Entry<T> {
  value: Promise<T>;
  users: number;
  idle?: NodeJS.Timeout;
}

export class Kept<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly close: (value: T) => Promise<void>;

  constructor(close: (value: T) => Promise<void>) {
    this.close = close;
  }

  /**
   * The handle for `key`, opened with `open` unless one is held; `release` when done with it. A
   * handle that failed to open is not kept: the next use tries again.
   */
  async acquire(key: string, open: () => Promise<T>): Promise<{ value: T; release: () => void }> {
    let entry = this.entries.get(key);
    if (!entry) {
      const opening: Entry<T> = { value: open(), users: 0 };
      opening.value.catch(() => {
        if (this.entries.get(key) === opening) this.entries.delete(key);
      });
      this.entries.set(key, (entry = opening));
    }
    clearTimeout(entry.idle);
    entry.users++;
    const held = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.idle = setTimeout(() => {
        if (this.entries.get(key) === held) this.entries.delete(key);
        held.value.then(this.close).catch(() => {});
      }, KEPT_MS);
      held.idle.unref();
    };
    try {
      return { value: await held.value, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Runs `use` with the handle for `key`. */
  async with<R>(key: string, open: () => Promise<T>, use: (value: T) => Promise<R>): Promise<R> {
    const { value, release } = await this.acquire(key, open);
    try {
      return await use(value);
    } finally {
      release();
    }
  }
}
