// The Takeout connector over archive parts held as virtual files (test/support/archives.ts), with
// its state in memory: the whole ingest (scan, index, catalogue) without a database or a cloud.
import { Readable } from 'node:stream';
import { setImmediate as roundTrip } from 'node:timers/promises';
import { exportStatus as exportStatusSchema } from '../../connectors/google-takeout/export-sets.ts';
import takeout from '../../connectors/google-takeout/index.ts';
import type { CloudHandle, CloudState, ConnectorEnv, Source, SourceItem } from '../../connectors/types.ts';
import type { VirtualFile } from './archives.ts';

/**
 * Values kept as JSON text, as the database keeps them (jsonb), so each read is a copy; each call
 * lets the event loop run, as a round trip to the database does.
 */
export function memoryState(): CloudState & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const lists = new Map<string, Map<number, { key: string; text: string }>>();
  const read = (text: string | undefined) => (text === undefined ? undefined : JSON.parse(text));
  return {
    values,
    async get(key) {
      await roundTrip();
      return read(values.get(key));
    },
    async putIfAbsent(key, value) {
      await roundTrip();
      if (!values.has(key)) values.set(key, JSON.stringify(value));
      return read(values.get(key));
    },
    async set(key, value) {
      await roundTrip();
      values.set(key, JSON.stringify(value));
    },
    async list(prefix) {
      await roundTrip();
      return [...values].filter(([k]) => k.startsWith(prefix)).map(([key, text]) => ({ key, value: read(text) }));
    },
    async drop(prefix, keep) {
      await roundTrip();
      for (const key of [...values.keys()])
        if (key.startsWith(prefix) && (keep === undefined || !key.startsWith(keep))) values.delete(key);
    },
    rows: {
      async add(list, rows) {
        await roundTrip();
        const l = lists.get(list) ?? new Map<number, { key: string; text: string }>();
        lists.set(list, l);
        for (const r of rows) if (!l.has(r.n)) l.set(r.n, { key: r.key, text: JSON.stringify(r.value) });
      },
      get: async (list, key) => {
        const found = [...(lists.get(list) ?? [])].filter(([, r]) => r.key === key).sort(([a], [b]) => a - b)[0];
        return found && read(found[1].text);
      },
      page: async (list, after, limit) =>
        [...(lists.get(list) ?? [])]
          .filter(([n]) => n > after)
          .sort(([a], [b]) => a - b)
          .slice(0, limit)
          .map(([n, r]) => ({ n, key: r.key, value: read(r.text) })),
      dropAllBut: async (keep) => {
        for (const name of [...lists.keys()]) if (!keep.includes(name)) lists.delete(name);
      },
    },
  };
}

/**
 * A folder holding `files` (name → bytes), read with ranges; `stats` counts what was read. A file's
 * version is '1' unless `versions` says otherwise (a test that replaces a file gives it a new one).
 */
export function folderOf(files: Record<string, VirtualFile>, modifiedAt = new Date(Date.now() - 86_400_000)) {
  const stats = { requests: 0, bytes: 0 };
  const versions: Record<string, string> = {};
  const source: Source = {
    async *list() {
      for (const [name, f] of Object.entries(files))
        yield {
          id: name,
          path: name,
          size: f.size,
          modifiedAt: modifiedAt.toISOString(),
          mediaType: 'other',
          version: versions[name] ?? '1',
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
  return { handle, stats, versions };
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
  /** The same cloud opened again, as another process (a copy job's worker) opens it. */
  const reopened = () => takeout.open!(config, env).source!;
  const { stats, versions } = folder;
  return { cloud, source: cloud.source!, state, stats, versions, exportStatus, reopened };
}
