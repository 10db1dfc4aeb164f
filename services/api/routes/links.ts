// The pages mails link to (mail/messages.ts `links`). Until the web UI serves them, they lead to the
// resource itself, which a signed-in browser can read; the links in mails already sent keep working.
// Also the one link mailed to someone who need not have a Ferry account: confirming an address a
// task's notifications should go to.
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { confirmNotifyAddress } from '../../core/notifications.ts';
import { errorsFor, idParams } from '../schemas.ts';
import type { App, Services } from '../app.ts';

export function linkRoutes(app: App): void {
  for (const kind of ['runs', 'clouds'] as const) {
    app.get(`/${kind}/:id`, { schema: { hide: true, params: idParams } }, async (request, reply) =>
      reply.redirect(`/api/v1/${kind}/${request.params.id}`, 302),
    );
  }
}

/** Public (no sign-in: the recipient may have no account), under /api/v1. */
export function notifyAddressRoutes(app: App, s: Pick<Services, 'db' | 'config'>): void {
  app.get(
    '/notify-addresses/confirm',
    {
      config: { rateLimit: { max: s.config.authRateLimit, timeWindow: 60_000 } },
      schema: {
        tags: ['tasks'],
        summary: "Confirm that an address named in a task's notify.email wants its run mails (the link mailed to it)",
        querystring: z.strictObject({ token: z.string().min(1).max(200) }),
        response: { 200: z.object({ email: z.string(), confirmed: z.literal(true) }), ...errorsFor(400, 429) },
      },
    },
    async (request) => {
      const confirmed = await confirmNotifyAddress(s.db, request.query.token);
      if (!confirmed) {
        throw new AppError('invalid_token', 400, 'This confirmation link is unknown or has expired. The person who named your address can save their task again to send a new one.');
      }
      return { email: confirmed.email, confirmed: true as const };
    },
  );
}
