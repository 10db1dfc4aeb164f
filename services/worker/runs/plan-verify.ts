// Planning a verification: every copy the backup holds now (its newest copies, and the versions it
// keeps) becomes an item, checked at the destination by verify.ts.
import type { Ends, RunRecord } from './context.ts';
import { failRun } from './context.ts';
import type { PlanDeps } from './plan.ts';

export async function planVerify(deps: PlanDeps, run: RunRecord, _ends: Ends, _signal: AbortSignal): Promise<void> {
  await failRun(deps, run.id, 'Verifying is not available yet.');
}
