// The console's queries and keys (all under 'admin', so a change invalidates every view of it at
// once), and the GB the forms speak: the app's sizes are binary, so a "5 GB" plan is 5 GiB.
import { queryOptions } from '@tanstack/react-query';
import { api, must, type components } from '../../api/client';

export type AdminUser = components['schemas']['AdminUser'];
export type Plan = components['schemas']['Plan'];
export type AuditEntry = components['schemas']['AuditEntry'];

export const adminKeys = {
  all: ['admin'] as const,
  stats: ['admin', 'stats'] as const,
  users: ['admin', 'users'] as const,
  user: (id: string) => ['admin', 'users', id] as const,
  plans: ['admin', 'plans'] as const,
  audit: ['admin', 'audit'] as const,
};

export const statsQuery = queryOptions({
  queryKey: adminKeys.stats,
  queryFn: () => must(api.GET('/api/v1/admin/stats')),
});

export const plansQuery = queryOptions({
  queryKey: adminKeys.plans,
  queryFn: () => must(api.GET('/api/v1/admin/plans')),
});

export const userQuery = (id: string) =>
  queryOptions({
    queryKey: adminKeys.user(id),
    queryFn: () => must(api.GET('/api/v1/admin/users/{id}', { params: { path: { id } } })),
  });

const GB = 1024 ** 3;
/** Bytes as GB for a form's field: at most two decimals, no trailing zeros. */
export const toGb = (bytes: number): string => String(Math.round((bytes / GB) * 100) / 100);
/** A form's GB as bytes; null when it is not a number of 0 or more. */
export function fromGb(text: string): number | null {
  const n = Number(text.trim().replace(',', '.'));
  if (!text.trim() || !Number.isFinite(n) || n < 0 || n * GB > Number.MAX_SAFE_INTEGER) return null;
  return Math.round(n * GB);
}
