// The backup history's part of the API: a task's snapshots (each backup run that ended succeeded or
// partial is a point in time), the backup as it was at one of them, and the runs that restore or
// verify it.
import { queryOptions } from '@tanstack/react-query';
import { api, must, type components, type paths } from '../../api/client';
import { keys } from '../../api/queries';
import type { Run } from '../runs/status';

export type Snapshot = components['schemas']['Snapshot'];
export type TreeEntry = components['schemas']['TreeEntry'];
export type FileVersion = Extract<TreeEntry, { type: 'file' }>['versions'][number];
type RestoreBody = paths['/api/v1/tasks/{id}/restore']['post']['requestBody']['content']['application/json'];
export type Conflict = NonNullable<RestoreBody['conflict']>;

export const historyKeys = {
  snapshots: (taskId: string) => [...keys.task(taskId), 'snapshots'] as const,
  tree: (taskId: string, runId: string, path: string) => [...keys.task(taskId), 'tree', runId, path] as const,
};

export function fetchSnapshots(taskId: string, cursor: string | undefined, limit: number) {
  return must(api.GET('/api/v1/tasks/{id}/snapshots', { params: { path: { id: taskId }, query: { cursor, limit } } }));
}

/** One snapshot, found in the list (one entry per backup run); null when the task has no such one. */
export const snapshotQuery = (taskId: string, runId: string) =>
  queryOptions({
    queryKey: [...historyKeys.snapshots(taskId), runId] as const,
    queryFn: async (): Promise<Snapshot | null> => {
      let cursor: string | undefined;
      for (let pages = 0; pages < 50; pages++) {
        const page = await fetchSnapshots(taskId, cursor, 100);
        const found = page.items.find((s) => s.runId === runId);
        if (found) return found;
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return null;
    },
  });

export function fetchTree(
  taskId: string,
  runId: string,
  path: string,
  cursor: string | undefined,
  signal?: AbortSignal,
) {
  return must(
    api.GET('/api/v1/tasks/{id}/tree', {
      params: { path: { id: taskId }, query: { runId, path: path || undefined, cursor } },
      signal,
    }),
  );
}

export async function startRestore(taskId: string, body: RestoreBody): Promise<Run> {
  return (await must(api.POST('/api/v1/tasks/{id}/restore', { params: { path: { id: taskId } }, body }))).run;
}

export async function startVerify(taskId: string): Promise<Run> {
  return (await must(api.POST('/api/v1/tasks/{id}/verify', { params: { path: { id: taskId } } }))).run;
}
