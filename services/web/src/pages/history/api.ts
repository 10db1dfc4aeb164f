// The backup history's part of the API: a task's snapshots (each backup run that ended succeeded or
// partial is a point in time), the backup as it was at one of them, and the runs that restore or
// verify it. The shapes are the REST contract's; the calls go through the app's one client, so the
// session and the CSRF token travel as on every other page.
import { queryOptions } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';
import type { Run } from '../runs/status';

export interface Snapshot {
  runId: string;
  at: string;
  status: 'succeeded' | 'partial';
  /** The whole backup at that time. */
  files: number;
  bytes: number;
  /** What that run itself copied. */
  copied: { items: number; bytes: number };
}

export interface FileVersion {
  copiedAt: string;
  replacedAt: string | null;
  /** null: not recorded. */
  size: number | null;
  hash: string | null;
  restorable: boolean;
}

export type TreeEntry =
  | { type: 'folder'; name: string; path: string }
  | {
      type: 'file';
      name: string;
      path: string;
      size: number | null;
      modifiedAt: string | null;
      copiedAt: string;
      hash: string | null;
      restorable: boolean;
      versions: FileVersion[];
    };

export interface Tree {
  at: string;
  runId: string | null;
  path: string;
  entries: TreeEntry[];
  nextCursor: string | null;
}

export type Conflict = 'skip' | 'overwrite' | 'rename';

export interface RestoreRequest {
  runId: string;
  paths?: string[];
  destination: { cloudId: string; path: string };
  conflict: Conflict;
}

type Page<T> = { items: T[]; nextCursor: string | null };
type Call<T> = Promise<{ data?: T; error?: unknown; response: Response }>;
type Params = { params: { path: { id: string }; query?: Record<string, string | number | undefined> } };
// These routes are newer than the typed document the client was generated from; they are called
// through the same client (its middleware adds the CSRF token) with the contract's shapes above.
const untyped = api as unknown as {
  GET: <T>(url: string, init: Params & { signal?: AbortSignal }) => Call<T>;
  POST: <T>(url: string, init: Params & { body?: unknown }) => Call<T>;
};

export const historyKeys = {
  snapshots: (taskId: string) => [...keys.task(taskId), 'snapshots'] as const,
  tree: (taskId: string, runId: string, path: string) => [...keys.task(taskId), 'tree', runId, path] as const,
};

export function fetchSnapshots(taskId: string, cursor: string | undefined, limit: number): Promise<Page<Snapshot>> {
  return must(
    untyped.GET<Page<Snapshot>>('/api/v1/tasks/{id}/snapshots', {
      params: { path: { id: taskId }, query: { cursor, limit } },
    }),
  );
}

/** One snapshot's run, found in the list (the list is short: one entry per backup run). */
export const snapshotQuery = (taskId: string, runId: string) =>
  queryOptions({
    queryKey: [...historyKeys.snapshots(taskId), runId] as const,
    queryFn: async () => {
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
): Promise<Tree> {
  return must(
    untyped.GET<Tree>('/api/v1/tasks/{id}/tree', {
      params: { path: { id: taskId }, query: { runId, path: path || undefined, cursor } },
      signal,
    }),
  );
}

/** The run a start answered: the run itself, or wrapped as POST /tasks/:id/runs wraps it. */
const runOf = (answer: Run | { run: Run }): Run => ('run' in answer ? answer.run : answer);

export async function startRestore(taskId: string, body: RestoreRequest): Promise<Run> {
  return runOf(
    await must(
      untyped.POST<Run | { run: Run }>('/api/v1/tasks/{id}/restore', { params: { path: { id: taskId } }, body }),
    ),
  );
}

export async function startVerify(taskId: string): Promise<Run> {
  return runOf(
    await must(untyped.POST<Run | { run: Run }>('/api/v1/tasks/{id}/verify', { params: { path: { id: taskId } } })),
  );
}
