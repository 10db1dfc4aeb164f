// The audit log: who did what to which resource, from where. Written beside the change it records.
import type { Queryable } from './db.ts';

export interface AuditEntry {
  userId: string | null;
  action: string;
  targetId?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

export async function audit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query('INSERT INTO audit_log (user_id, action, target_id, ip, details) VALUES ($1, $2, $3, $4, $5)', [
    e.userId,
    e.action,
    e.targetId ?? null,
    e.ip ?? null,
    e.details ?? {},
  ]);
}
