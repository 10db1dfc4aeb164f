// The one link mailed to someone who need not have a Ferry account: confirming an address a
// task's notifications should go to.
import { z } from 'zod';
import { digest } from '../../core/crypto.ts';
import { AppError } from '../../core/errors.ts';
import { confirmNotifyAddress } from '../../core/notifications.ts';
import { errorBody, errorsFor } from '../schemas.ts';
import type { App, Services } from '../app.ts';
import {
  acceptForm,
  confirmForm,
  escapeHtml,
  pageResponse,
  sendPage,
  sendUnusableLink,
  wantsJson,
} from './confirm-page.ts';

const CONFIRM_PATH = '/notify-addresses/confirm';
const token = z.string().min(1).max(200);
const unknownLink = () =>
  new AppError(
    'invalid_token',
    400,
    'This confirmation link is unknown or has expired. ' +
      'The person who named your address can save their task again to send a new one.',
  );

/**
 * Public (no sign-in: the recipient may have no account), under /api/v1. Opening the mailed link
 * changes nothing: mail security scanners fetch every link in a mail, and would confirm a
 * stranger's address without its owner. It shows who asked, with a button that posts the token
 * back; only that POST confirms.
 */
export function notifyAddressRoutes(app: App, s: Pick<Services, 'db' | 'config'>): void {
  const limited = { rateLimit: { max: s.config.authRateLimit, timeWindow: 60_000 } };

  app.get(
    CONFIRM_PATH,
    {
      config: limited,
      schema: {
        tags: ['tasks'],
        summary:
          "The link mailed to an address named in a task's notify.email: " +
          'a page asking its owner to confirm (changes nothing)',
        querystring: z.strictObject({ token }),
        response: {
          200: pageResponse(z.object({ email: z.string(), askedBy: z.string(), confirmed: z.literal(false) })),
          400: pageResponse(errorBody),
          ...errorsFor(429),
        },
      },
    },
    async (request, reply) => {
      const { rows } = await s.db.query<{ email: string; asked_by: string }>(
        `SELECT na.email, u.email AS asked_by FROM notify_addresses na JOIN users u ON u.id = na.user_id
          WHERE na.token_digest = $1 AND na.token_expires_at > now()`,
        [digest(request.query.token)],
      );
      const found = rows[0];
      if (wantsJson(request)) {
        if (!found) throw unknownLink();
        return reply.send({ email: found.email, askedBy: found.asked_by, confirmed: false as const });
      }
      if (!found) return sendUnusableLink(reply, unknownLink().message);
      // A relative action: the same path, wherever Ferry is reached.
      return sendPage(
        reply,
        200,
        'Confirm backup notifications',
        `<p>The Ferry user <strong>${escapeHtml(found.asked_by)}</strong> asked for mails ` +
          `about their backups to be sent to <strong>${escapeHtml(found.email)}</strong>.</p>` +
          `<p>Nothing is sent there until you confirm. ` +
          `If you do not know them or do not want these mails, close this page: you will get no more.</p>` +
          confirmForm('confirm', request.query.token, `Send these notifications to ${found.email}`),
      );
    },
  );

  // The page's form posts urlencoded; that body is taken on this route only.
  app.register(async (scope: App) => {
    acceptForm(scope);
    scope.post(
      CONFIRM_PATH,
      {
        config: limited,
        schema: {
          tags: ['tasks'],
          summary:
            "Confirm that an address named in a task's notify.email " +
            'wants its run mails (the token of the link mailed to it)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: z.strictObject({ token }),
          response: {
            200: pageResponse(z.object({ email: z.string(), confirmed: z.literal(true) })),
            400: pageResponse(errorBody),
            ...errorsFor(429),
          },
        },
      },
      async (request, reply) => {
        const confirmed = await confirmNotifyAddress(s.db, request.body.token);
        if (wantsJson(request)) {
          if (!confirmed) throw unknownLink();
          return reply.send({ email: confirmed.email, confirmed: true as const });
        }
        if (!confirmed) return sendUnusableLink(reply, unknownLink().message);
        return sendPage(
          reply,
          200,
          'Confirmed',
          `<p><strong>${escapeHtml(confirmed.email)}</strong> is confirmed: ` +
            `it will get the backup notifications it was named for. You can close this page.</p>`,
        );
      },
    );
  });
}
