// Planning a restore: the files of the backup as it was at the restore's point in time (its
// history, copies), found at the task's destination, become the run's items, each to be copied to
// the restore's destination at its path in the backup.
import type { Ends, RunRecord } from './context.ts';
import { failRun } from './context.ts';
import type { PlanDeps } from './plan.ts';

export async function planRestore(deps: PlanDeps, run: RunRecord, _ends: Ends, _signal: AbortSignal): Promise<void> {
  await failRun(deps, run.id, 'Restoring is not available yet.');
}
