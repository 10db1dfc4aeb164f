// Google Photos' Picker actions, called as the API calls them, for tests that drive the connector directly.
import photos from '../../connectors/google-photos/index.ts';
import { pickerSession } from '../../connectors/google-photos/picker.ts';
import type { CloudConfig, ConnectorEnv } from '../../connectors/types.ts';

/** The connector's Picker actions, called as the API calls them. */
export function pickerOf(cloud: CloudConfig, env: ConnectorEnv) {
  const action = (method: string, path: string) => photos.actions!.find((a) => a.method === method && a.path === path)!;
  const ctx = () => ({ cloud, env, signal: AbortSignal.timeout(20_000) });
  return {
    create: async () =>
      pickerSession.parse(await action('POST', 'picker-sessions').run(ctx(), { params: undefined, body: undefined })),
    get: async (sid: string) =>
      pickerSession.parse(await action('GET', 'picker-sessions/:sid').run(ctx(), { params: { sid }, body: undefined })),
  };
}
