// The server state of the Google Photos pages: a Takeout reader's export status and a Photos
// Picker session. Keys sit under the cloud's own key, so changing the cloud refreshes them too.
import { queryOptions } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { keys } from '../../api/queries';

export const takeoutKey = (cloudId: string) => [...keys.cloud(cloudId), 'takeout'] as const;
export const pickerKey = (cloudId: string, sessionId: string) => [...keys.cloud(cloudId), 'picker', sessionId] as const;

/** GET /clouds/:id/takeout: reads the delivery folder, so it is not refetched at every focus. */
export const takeoutQuery = (cloudId: string) =>
  queryOptions({
    queryKey: takeoutKey(cloudId),
    queryFn: ({ signal }) =>
      must(api.GET('/api/v1/clouds/{id}/takeout', { params: { path: { id: cloudId } }, signal })),
    staleTime: 60_000,
  });
