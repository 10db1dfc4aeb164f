// Verifying one copy of a backup: it is at the destination, with the size and the hash its record
// gives. The rules, in order (the first that fails is the item's reason):
//  1. The file is at its recorded place (stat). Else failed: "<path>: missing at the destination (<dest_path>)".
//  2. Its size is the recorded one (when one was recorded). Else failed: "size <found> bytes, the backup
//     recorded <size>".
//  3. Its hash, of the kind the backup recorded, is the recorded one. The destination's hashOf gives it:
//     from what the provider keeps where it keeps that kind (S3 ETag, Drive md5, Dropbox content_hash,
//     OneDrive quickXorHash), else by reading the file back (a local folder's sha256, an S3 object
//     uploaded in parts, a crypt folder's plaintext sha256, decrypted on the way). Else failed:
//     "<kind> hash <found>, the backup recorded <recorded>". A destination that finds the file (step 1)
//     but cannot tell its hash (hashOf null: a crypt file that no longer decrypts, an object replaced
//     while it was read, a file that cannot be read) fails it too: its content is unknown, and
//     unknown is never taken as intact.
//  4. When no hash can be held against the record (none was recorded, the destination has no hashOf,
//     or gives another kind than the recorded one: an S3 multipart ETag recorded, an md5 read back),
//     the copy is done on its size alone: the item's outcome then carries no hash, which is how a
//     run's items tell the two apart.
// A verification copies nothing and charges nothing: a done item is {bytes: 0}.
import { sameHash } from '../../../connectors/lib/hashes.ts';
import type { Destination, HashKind } from '../../../connectors/types.ts';
import type * as runState from '../../core/run-state.ts';
import type { Outcome } from './copy.ts';

/** The recorded hash of an item (plan-verify.ts writes at most one, from the copy's dest_hash). */
function recorded(item: runState.ClaimedItem): { kind: HashKind; value: string } | undefined {
  const [entry] = Object.entries(item.hashes ?? {}).filter(([, v]) => typeof v === 'string' && v !== '');
  return entry ? { kind: entry[0] as HashKind, value: entry[1] } : undefined;
}

export async function verifyCopy(
  destination: Destination,
  item: runState.ClaimedItem,
  signal: AbortSignal,
): Promise<Outcome> {
  const at = item.dest_path;
  const found = await destination.stat(at, signal);
  if (!found) return { kind: 'failed', reason: `${item.path}: missing at the destination (${at})`, code: 'missing' };
  if (item.size !== null && found.size !== Number(item.size))
    return { kind: 'failed', reason: `size ${found.size} bytes, the backup recorded ${item.size}`, code: 'changed' };

  const want = recorded(item);
  if (!want || !destination.hashOf) return { kind: 'done', bytes: 0, destPath: at };
  const got = await destination.hashOf(at, signal, want.kind);
  if (!got)
    return {
      kind: 'failed',
      reason:
        `${want.kind} hash unknown: the destination could not read the file back (damaged, or changed ` +
        `while it was read); the backup recorded ${want.value}`,
      code: 'unreadable',
    };
  if (got.kind !== want.kind) return { kind: 'done', bytes: 0, destPath: at };
  if (!sameHash(want.kind, got.value, want.value))
    return {
      kind: 'failed',
      reason: `${want.kind} hash ${got.value}, the backup recorded ${want.value}`,
      code: 'changed',
    };
  return { kind: 'done', bytes: 0, destPath: at, hash: `${got.kind}:${got.value}` };
}
