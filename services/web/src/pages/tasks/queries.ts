// The task pages' own queries; the keys are the app's shared ones, so a change anywhere refreshes them.
import { queryOptions } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';

export const taskQuery = (id: string) =>
  queryOptions({
    queryKey: keys.task(id),
    queryFn: () => must(api.GET('/api/v1/tasks/{id}', { params: { path: { id } } })),
  });

/** The account's latest runs across its tasks (one call), for each task's last outcome in the list. */
export const latestRunsQuery = queryOptions({
  queryKey: [...keys.runs, 'latest'] as const,
  queryFn: () => must(api.GET('/api/v1/runs', { params: { query: { limit: 100 } } })),
});
