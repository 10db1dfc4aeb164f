// What a cloud's owner should be told about it: each connector that keeps state about its clouds is
// asked (a delivery that is late, a schedule that runs out), and the mails not sent yet are queued.
import { connectors } from '../../connectors/index.ts';
import type { CloudNotice } from '../../connectors/types.ts';
import { cloudState } from '../core/cloud-state.ts';
import { transaction } from '../core/db.ts';
import { oneLine } from '../core/mail/messages.ts';
import { noticeDedupeKey } from '../core/notifications.ts';
import type { WorkerContext } from './worker.ts';

/**
 * Asks every connector that keeps state about its clouds what their owners should be told (a
 * Takeout export that is late, a schedule that runs out) and queues the mails not sent yet. One
 * cloud that cannot be checked is logged and skipped: the others are still told.
 */
export async function queueCloudNotices(deps: WorkerContext, now: Date): Promise<void> {
  const kinds = [...connectors.values()].filter((d) => d.notices && d.keepsState).map((d) => d.kind);
  if (!kinds.length) return;
  // Clouds of an owner who is gone are left out.
  const { rows: clouds } = await deps.db.query<{
    id: string;
    kind: string;
    name: string;
    options: Record<string, unknown>;
    user_id: string;
  }>(
    `SELECT cl.id, cl.kind, cl.name, cl.options, cl.user_id FROM clouds cl JOIN users u ON u.id = cl.user_id
      WHERE cl.kind = ANY($1) ORDER BY cl.created_at`,
    [kinds],
  );
  // A wrapping cloud's notices may name the cloud it reads (a Takeout export's destination).
  const wrappedIds = clouds.map((cl) => connectors.get(cl.kind)!.wraps?.cloudId(cl.options)).filter((x) => x);
  const { rows: wrapped } = await deps.db.query<{ id: string; user_id: string; name: string }>(
    'SELECT id, user_id, name FROM clouds WHERE id::text = ANY($1)',
    [wrappedIds],
  );

  const due: Array<{ cloudId: string; notice: CloudNotice }> = [];
  for (const { id, kind, name, options, user_id } of clouds) {
    try {
      const def = connectors.get(kind)!;
      const inner = def.wraps && wrapped.find((w) => w.id === def.wraps!.cloudId(options) && w.user_id === user_id);
      // Names users typed go into subjects and bodies: each on one line.
      const names = { cloud: oneLine(name, 60), wrapped: inner ? oneLine(inner.name, 60) : null };
      const notices = await def.notices!(cloudState(deps.db, id), now, names);
      for (const notice of notices) due.push({ cloudId: id, notice });
    } catch (err) {
      deps.log.warn({ err, cloudId: id, kind }, 'could not tell what to notify about this cloud');
    }
  }
  if (!due.length) return;

  // A notice stays due until its cause is gone (an export is late until one arrives):
  // most were mailed by an earlier sweep.
  const { rows: sent } = await deps.db.query<{ dedupe_key: string }>(
    'SELECT dedupe_key FROM mail_outbox WHERE dedupe_key = ANY($1)',
    [due.map((d) => noticeDedupeKey(d.cloudId, d.notice.key))],
  );
  const mailed = new Set(sent.map((r) => r.dedupe_key));
  let queued = 0;
  for (const { cloudId, notice } of due) {
    if (mailed.has(noticeDedupeKey(cloudId, notice.key))) continue;
    try {
      if (await transaction(deps.db, (c) => deps.notifier.cloudNotice(c, cloudId, notice))) queued++;
    } catch (err) {
      deps.log.warn({ err, cloudId, notice }, 'could not queue the mail about this cloud');
    }
  }
  if (queued) deps.log.info({ queued }, 'cloud notices mailed');
}
