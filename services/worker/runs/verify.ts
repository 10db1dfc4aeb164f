// Verifying one copy of a backup: it is at the destination, with the size and the hash its record
// gives (the destination's own hash where it keeps one; else the file is read back).
import type { Destination } from '../../../connectors/types.ts';
import type * as runState from '../../core/run-state.ts';
import type { Outcome } from './copy.ts';

export async function verifyCopy(
  _destination: Destination,
  item: runState.ClaimedItem,
  _signal: AbortSignal,
): Promise<Outcome> {
  return { kind: 'failed', reason: `Verifying ${item.dest_path} is not available yet.` };
}
