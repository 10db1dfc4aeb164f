// The destination keys a run has planned so far, as a Bloom filter: "no" is certain, "maybe" is
// looked up in run_items. Nearly every key of a large first run is new, and its look-up (a random
// read in an index that outgrows memory) was most of a million-file plan: 72 of 159 s. 2 MiB
// whatever the run: at a million keys one new key in 2,000 is a false "maybe", at two million one
// in 50, and a false "maybe" costs only the look-up it would have had anyway.
import type { Db } from '../../core/db.ts';

const BITS = 1 << 24;
const HASHES = 7;

export class KeyFilter {
  private readonly bits = new Uint8Array(BITS / 8);

  add(key: string): void {
    hash(key);
    for (let i = 0; i < HASHES; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % BITS;
      this.bits[bit >>> 3] |= 1 << (bit & 7);
    }
  }

  mayHave(key: string): boolean {
    hash(key);
    for (let i = 0; i < HASHES; i++) {
      const bit = ((h1 + Math.imul(i, h2)) >>> 0) % BITS;
      if (!(this.bits[bit >>> 3] & (1 << (bit & 7)))) return false;
    }
    return true;
  }
}

// The last key's two hashes (module state, not an allocation per key: a plan hashes millions).
let h1 = 0;
let h2 = 0;

/** Two FNV-1a-like hashes of the key's UTF-16 units, combined as h1 + i·h2 (Kirsch and Mitzenmacher). */
function hash(key: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  h1 = a;
  h2 = b | 1; // odd: every step moves
}

/**
 * The filter of what the run planned already: nothing for a plan that starts, every key an earlier
 * attempt of this plan wrote for one that starts over (pg-boss retries a plan from the start), read
 * a page at a time down the (run_id, dest_key) index.
 */
export async function plannedKeys(db: Db, runId: string): Promise<KeyFilter> {
  const filter = new KeyFilter();
  for (let after = ''; ; ) {
    const { rows } = await db.query<{ key: string }>(
      `SELECT dest_key AS key FROM run_items WHERE run_id = $1 AND dest_key > $2 ORDER BY dest_key LIMIT 10000`,
      [runId, after],
    );
    for (const r of rows) filter.add(r.key);
    if (rows.length < 10000) return filter;
    after = rows.at(-1)!.key;
  }
}
