// The Takeout connector over archive parts held as virtual files (test/support/archives.ts), with
// its state in memory: the whole ingest (scan, index, catalogue) without a database or a cloud.
import { Readable } from 'node:stream';
import { exportStatus as exportStatusSchema } from '../../connectors/google-takeout/export-sets.ts';
import takeout from '../../connectors/google-takeout/index.ts';
import type { CloudHandle, CloudState, ConnectorEnv, Source, SourceItem } from '../../connectors/types.ts';
import type { VirtualFile } from './archives.ts';

/** Values kept as JSON text, as the database keeps them (jsonb), so each read is a copy. */
export function memoryState(): CloudState & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const read = (text: string | undefined) => (text === undefined ? undefined : JSON.parse(text));
  return {
    values,
    get: async (key) => read(values.get(key)),
    async putIfAbsent(key, value) {
      if (!values.has(key)) values.set(key, JSON.stringify(value));
      return read(values.get(key));
    },
    set: async (key, value) => void values.set(key, JSON.stringify(value)),
    list: async (prefix) =>
      [...values].filter(([k]) => k.startsWith(prefix)).map(([key, text]) => ({ key, value: read(text) })),
  };
}

/** A folder holding `files` (name → bytes), read with ranges; `stats` counts what was read. */
export function folderOf(files: Record<string, VirtualFile>, modifiedAt = new Date(Date.now() - 86_400_000)) {
  const stats = { requests: 0, bytes: 0 };
  const source: Source = {
    async *list() {
      for (const [name, f] of Object.entries(files))
        yield {
          id: name,
          path: name,
          size: f.size,
          modifiedAt: modifiedAt.toISOString(),
          mediaType: 'other',
          version: '1',
        } satisfies SourceItem;
    },
    async open(item, opts = {}) {
      const f = files[item.id];
      stats.requests++;
      let pos = opts.offset ?? 0;
      const end = opts.length !== undefined ? Math.min(f.size, pos + opts.length) : f.size;
      return new Readable({
        read() {
          if (pos >= end) return void this.push(null);
          const n = Math.min(64 * 1024, end - pos);
          stats.bytes += n;
          this.push(Buffer.from(f.read(pos, n)));
          pos += n;
        },
      });
    },
  };
  const handle: CloudHandle = {
    features: {},
    source,
    check: async () => {},
    browse: async () => ({ entries: [] }),
  };
  return { handle, stats };
}

/** A Takeout source reading the parts in `files`; its exports are settled (delivered a day ago). */
export function takeoutSource(files: Record<string, VirtualFile>) {
  const folder = folderOf(files);
  const state = memoryState();
  const config = {
    options: { cloudId: '00000000-0000-4000-8000-000000000000', path: '', settleMinutes: 0, deleteArchives: false },
    wrapped: folder.handle,
    state,
  };
  const env = {} as ConnectorEnv;
  const cloud = takeout.open!(config, env);
  /** What GET /clouds/:id/takeout answers: the connector's action, called as the API calls it. */
  const exportStatus = async () => {
    const action = takeout.actions!.find((a) => a.method === 'GET' && a.path === 'takeout')!;
    const signal = AbortSignal.timeout(20_000);
    return exportStatusSchema.parse(
      await action.run({ cloud: config, env, signal }, { params: undefined, body: undefined }),
    );
  };
  return { cloud, source: cloud.source!, state, stats: folder.stats, exportStatus };
}
