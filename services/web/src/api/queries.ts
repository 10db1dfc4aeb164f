// Query keys and the queries more than one page reads. Each page defines its own others; after a
// change, invalidate by these keys so every page showing the data refreshes.
import { queryOptions } from '@tanstack/react-query';
import { api, must, setCsrfToken } from './client';

export const keys = {
  me: ['me'] as const,
  providers: ['providers'] as const,
  clouds: ['clouds'] as const,
  cloud: (id: string) => ['clouds', id] as const,
  entries: (cloudId: string, path: string) => ['clouds', cloudId, 'entries', path] as const,
  tasks: ['tasks'] as const,
  task: (id: string) => ['tasks', id] as const,
  taskRuns: (taskId: string) => ['tasks', taskId, 'runs'] as const,
  runs: ['runs'] as const,
  run: (id: string) => ['runs', id] as const,
  tokens: ['tokens'] as const,
};

export const meQuery = queryOptions({
  queryKey: keys.me,
  queryFn: async () => {
    const me = await must(api.GET('/api/v1/me'));
    setCsrfToken(me.csrfToken);
    return me;
  },
  staleTime: 30_000,
});

export const providersQuery = queryOptions({
  queryKey: keys.providers,
  queryFn: () => must(api.GET('/api/v1/providers')),
  staleTime: 5 * 60_000,
});

export const cloudsQuery = queryOptions({
  queryKey: keys.clouds,
  queryFn: () => must(api.GET('/api/v1/clouds')),
});

export const tasksQuery = queryOptions({
  queryKey: keys.tasks,
  queryFn: () => must(api.GET('/api/v1/tasks', { params: { query: { limit: 200 } } })),
});
