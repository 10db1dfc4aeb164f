// Which Takeout exports sit in a folder, and which are ready to ingest. Google names the parts of
// one export `takeout-<timestamp>-NNN.zip` (or .tgz), numbered from 001, and delivers them one by
// one: a set is complete once its parts run from 001 without a gap and no new part has arrived for
// a while (the settle time). A set that grows after it was ingested is taken up again for its new
// parts. Scheduled exports come every two months for a year.
import { z } from 'zod';

/** One file of a folder, as the underlying cloud lists it. */
export interface FolderFile {
  path: string;
  size?: number;
  modifiedAt?: string;
}

export interface ExportPart {
  path: string;
  number: number;
  format: 'zip' | 'tgz';
  size?: number;
  /** When the part arrived (its modification time), epoch ms; undefined when the cloud does not tell. */
  arrivedAt?: number;
}

export interface ExportSet {
  /** The export's timestamp as Google writes it, e.g. 20240712T112341Z: the set's identity. */
  id: string;
  createdAt: Date;
  format: 'zip' | 'tgz';
  parts: ExportPart[];
  /** Part numbers missing between 001 and the highest part seen. */
  missing: number[];
  /** Complete and settled: every part from 001 up, and none newer than the settle time. */
  ready: boolean;
  /** Why not ready, for the user. */
  waitingFor?: string;
}

const PART = /(?:^|\/)takeout-(\d{8}T\d{6}Z)-(\d{3,})\.(zip|tgz)$/i;

/** Google's export timestamp (UTC, basic ISO 8601) as a Date. */
function parseStamp(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/i.exec(stamp)!;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** The export sets among a folder's files, oldest first. Files that are not Takeout parts are ignored. */
export function exportSets(files: FolderFile[], opts: { now?: number; settleMs?: number } = {}): ExportSet[] {
  const now = opts.now ?? Date.now();
  const settleMs = opts.settleMs ?? 60 * 60_000;
  const byStamp = new Map<string, ExportPart[]>();
  for (const f of files) {
    const m = PART.exec(f.path);
    if (!m) continue;
    const stamp = m[1].toUpperCase();
    const parts = byStamp.get(stamp) ?? [];
    const arrivedAt = f.modifiedAt ? Date.parse(f.modifiedAt) : undefined;
    parts.push({
      path: f.path,
      number: Number(m[2]),
      format: m[3].toLowerCase() as 'zip' | 'tgz',
      size: f.size,
      arrivedAt: Number.isNaN(arrivedAt) ? undefined : arrivedAt,
    });
    byStamp.set(stamp, parts);
  }
  const sets: ExportSet[] = [];
  for (const [id, parts] of byStamp) {
    parts.sort((a, b) => a.number - b.number || a.path.localeCompare(b.path));
    const numbers = new Set(parts.map((p) => p.number));
    const highest = parts.at(-1)!.number;
    const missing: number[] = [];
    for (let n = 1; n <= highest; n++) if (!numbers.has(n)) missing.push(n);
    const formats = new Set(parts.map((p) => p.format));
    // A loop, not Math.max(...): spreading a very long list overflows the stack.
    let latest = 0;
    for (const p of parts) latest = Math.max(latest, p.arrivedAt ?? 0);
    const settlesAt = latest + settleMs;
    let waitingFor: string | undefined;
    if (formats.size > 1) waitingFor = 'This export has both .zip and .tgz parts; Ferry reads one kind per export.';
    else if (missing.length)
      waitingFor =
        `Part${missing.length > 1 ? 's' : ''} ${missing.map((n) => String(n).padStart(3, '0')).join(', ')}` +
        ` not there yet.`;
    else if (settlesAt > now)
      waitingFor = `A part arrived recently; waiting until ${new Date(settlesAt).toISOString()} in case more follow.`;
    sets.push({
      id,
      createdAt: parseStamp(id),
      format: parts[0].format,
      parts,
      missing,
      ready: !waitingFor,
      waitingFor,
    });
  }
  return sets.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** Parts of a set not ingested yet: all of a new set, or the parts a set gained since. */
export function partsToIngest(set: ExportSet, ingested: ReadonlySet<string>): ExportPart[] {
  return set.parts.filter((p) => !ingested.has(p.path));
}

const EXPORT_EVERY_DAYS = 61; // "every 2 months"
const LATE_AFTER_DAYS = 70;
const SCHEDULE_EXPORTS = 6; // every two months for one year

// Two exports of one schedule lie about two months apart; a closer or farther pair belongs to
// different schedules (a new one set up before the old ran out, an "export once" in between).
const SAME_SCHEDULE_DAYS = [45, 75];

/**
 * When the next scheduled export is due, whether the one expected is late (more than 70 days since
 * the last), and whether the yearly schedule runs out within a month (6 exports from its first).
 * The schedule is the run of exports about two months apart that ends with the latest.
 */
export function schedule(
  sets: Pick<ExportSet, 'createdAt'>[],
  now = Date.now(),
): { nextExpected?: Date; late: boolean; endsSoon: boolean; scheduleEnds?: Date } {
  if (!sets.length) return { late: false, endsSoon: false };
  const day = 86_400_000;
  const times = sets.map((x) => x.createdAt.getTime()).sort((a, b) => a - b);
  // From the latest back, each time to the export closest to two months before (skipping others).
  let first = times.at(-1)!;
  for (let n = 1; n < SCHEDULE_EXPORTS; n++) {
    const previous = times
      .filter((t) => (first - t) / day >= SAME_SCHEDULE_DAYS[0] && (first - t) / day <= SAME_SCHEDULE_DAYS[1])
      .sort(
        (a, b) => Math.abs((first - a) / day - EXPORT_EVERY_DAYS) - Math.abs((first - b) / day - EXPORT_EVERY_DAYS),
      )[0];
    if (previous === undefined) break;
    first = previous;
  }
  const last = times.at(-1)!;
  const scheduleEnds = new Date(first + (SCHEDULE_EXPORTS - 1) * EXPORT_EVERY_DAYS * day);
  const nextExpected = new Date(last + EXPORT_EVERY_DAYS * day);
  return {
    nextExpected: nextExpected.getTime() <= scheduleEnds.getTime() ? nextExpected : undefined,
    late: now - last > LATE_AFTER_DAYS * day && last < scheduleEnds.getTime(),
    endsSoon: scheduleEnds.getTime() - now < 31 * day && scheduleEnds.getTime() > now - day,
    scheduleEnds,
  };
}

/** A Takeout source's view of its delivery folder, as GET /clouds/:id/takeout shows it. */
export const exportStatus = z
  .object({
    folder: z.string().describe('The folder of the storage cloud the exports are delivered to'),
    sets: z.array(
      z.object({
        id: z.string().describe("Google's export timestamp, e.g. 20260712T112341Z"),
        createdAt: z.string(),
        format: z.enum(['zip', 'tgz']),
        state: z
          .enum(['waiting', 'ready', 'ingested', 'grown'])
          .describe(
            'waiting: parts missing or still arriving; ready: the next run ingests it; ' +
              'grown: new parts arrived after it was ingested',
          ),
        waitingFor: z.string().optional(),
        missing: z.array(z.number().int()),
        parts: z.array(
          z.object({
            number: z.number().int(),
            path: z.string(),
            size: z.number().optional(),
            ingested: z.boolean(),
            deleted: z.boolean(),
            error: z
              .string()
              .optional()
              .describe('Why the part cannot be read; it stays out until the file is replaced'),
          }),
        ),
      }),
    ),
    nextExpectedAt: z.string().optional().describe('When the next scheduled export should arrive'),
    late: z.boolean().describe('The expected export is more than 70 days overdue'),
    scheduleEndsAt: z.string().optional().describe('When the yearly export schedule runs out'),
    endsSoon: z.boolean(),
    setupUrl: z.string(),
    setup: z.array(z.string()).describe('How to set up the scheduled export'),
  })
  .meta({ id: 'ExportStatus' });
export type ExportStatus = z.infer<typeof exportStatus>;
