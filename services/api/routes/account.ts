// The account's life cycle: a forgotten password, a new password, sessions, two-factor sign-in,
// leaving with one's data. Every change is audited; no answer or audit entry carries a secret.
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { deleteAccount, exportAccount, revokeGrants } from '../../core/account-removal.ts';
import { audit } from '../../core/audit.ts';
import { errors } from '../../core/errors.ts';
import { transaction } from '../../core/db.ts';
import { deletedMessage, emailChangeMessages, resetMessage } from '../../core/mail/messages.ts';
import { queueMail } from '../../core/mail/outbox.ts';
import { SESSION_COOKIE, userOf } from '../auth.ts';
import type { App, Services } from '../app.ts';
import { credentials, email, errorBody, errorsFor, idParams, page, timestamp } from '../schemas.ts';
import {
  acceptForm,
  confirmForm,
  escapeHtml,
  pageResponse,
  sendPage,
  sendUnusableLink,
  wantsJson,
} from './confirm-page.ts';

const newPassword = credentials.shape.password;
const code = z.string().trim().min(6).max(40).describe('The app’s 6 digits, or a recovery code');
const sessionInfo = z
  .object({
    id: z.uuid(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp,
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe('The session this request came with'),
  })
  .meta({ id: 'Session' });

export function publicAccountRoutes(app: App, s: Services): void {
  const limited = { rateLimit: { max: s.config.authRateLimit, timeWindow: 60_000 } };
  emailChangeRoutes(app, s, limited);

  app.post(
    '/auth/password-reset',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Forgotten password: mail a single-use link, good for an hour, to the account with this address',
        description:
          'Always 202, whether or not the address has an account, and as fast either way (the mail is ' +
          'prepared after the answer). Five requests per address within 15 minutes, then 429.',
        body: z.strictObject({ email }),
        response: { 202: z.object({}), ...errorsFor(400, 429) },
      },
    },
    async (request, reply) => {
      const address = request.body.email;
      // Counted before answering (a 429 says nothing of the account either: unknown addresses count too).
      const asked = await s.accounts.requestReset(address);
      reply.status(202).send({});
      if (!asked) return reply;
      await transaction(s.db, async (c) => {
        await queueMail(c, s.boss, s.config.publicUrl, {
          userId: asked.user.id,
          kind: 'password_reset',
          to: asked.user.email,
          dedupeKey: `reset:${asked.token.slice(-16)}`,
          message: resetMessage({ email: asked.user.email, token: asked.token }, asked.user.locale, s.config.publicUrl),
        });
        await audit(c, {
          userId: asked.user.id,
          action: 'user.password_reset_asked',
          targetId: asked.user.id,
          ip: request.ip,
        });
      }).catch((err) => request.log.error({ err }, 'could not queue a password reset mail'));
      return reply;
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with the link’s token; every session of the account ends',
        body: z.strictObject({ token: z.string().min(1).max(200), password: newPassword }),
        response: { 204: z.null(), ...errorsFor(400, 429) },
      },
    },
    async (request, reply) => {
      const user = await s.accounts.confirmReset(request.body.token, request.body.password);
      if (!user) throw errors.invalidResetLink();
      await audit(s.db, { userId: user.id, action: 'user.password_reset', targetId: user.id, ip: request.ip });
      return reply.status(204).send(null);
    },
  );
}

/** The link mailed to a new address: a page that shows the change (changing nothing), its button confirms. */
function emailChangeRoutes(app: App, s: Services, limited: object): void {
  const token = z.string().min(1).max(200);
  const changed = z.object({ email: z.string() });
  app.get(
    '/auth/email-change',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'The link mailed to a new address: a page asking to confirm the change (changes nothing)',
        querystring: z.strictObject({ token }),
        response: {
          200: pageResponse(z.object({ email: z.string(), newEmail: z.string() })),
          400: pageResponse(errorBody),
          ...errorsFor(429),
        },
      },
    },
    async (request, reply) => {
      const pending = await s.accounts.pendingEmailChange(request.query.token);
      if (wantsJson(request)) {
        if (!pending) throw errors.invalidToken();
        return reply.send({ email: pending.oldEmail, newEmail: pending.newEmail });
      }
      if (!pending) return sendUnusableLink(reply, errors.invalidToken().message);
      return sendPage(
        reply,
        200,
        'Confirm your new address',
        `<p>The Ferry account <strong>${escapeHtml(pending.oldEmail)}</strong> asked to use ` +
          `<strong>${escapeHtml(pending.newEmail)}</strong> from now on.</p>` +
          confirmForm('email-change/confirm', request.query.token, 'Confirm the new address'),
      );
    },
  );
  app.register(async (scope: App) => {
    acceptForm(scope);
    scope.post(
      '/auth/email-change/confirm',
      {
        config: limited,
        schema: {
          tags: ['auth'],
          summary: 'Confirm a new address (the token of the link mailed to it)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: z.strictObject({ token }),
          response: { 200: pageResponse(changed), 400: pageResponse(errorBody), ...errorsFor(409, 429) },
        },
      },
      async (request, reply) => {
        const done = await s.accounts.confirmEmailChange(request.body.token);
        if (done)
          await audit(s.db, { userId: done.id, action: 'user.email_change', targetId: done.id, ip: request.ip });
        if (wantsJson(request)) {
          if (!done) throw errors.invalidToken();
          return reply.send({ email: done.email });
        }
        if (!done) return sendUnusableLink(reply, errors.invalidToken().message);
        return sendPage(
          reply,
          200,
          'Confirmed',
          `<p>Your Ferry account now uses <strong>${escapeHtml(done.email)}</strong>. Sign in with it from now on.</p>`,
        );
      },
    );
  });
}

export function accountRoutes(app: App, s: Services): void {
  app.post(
    '/me/email',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the address: the password is asked; a link to the new address confirms, the old one is told',
        body: z.strictObject({ email, password: z.string().min(1).max(256) }),
        response: { 202: z.object({ sentTo: z.string() }), ...errorsFor(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const next = request.body.email;
      if (next.toLowerCase() === user.email.toLowerCase()) throw errors.conflict('This is your address already.');
      const token = await s.accounts.requestEmailChange(user.id, request.body.password, next);
      const m = emailChangeMessages({ oldEmail: user.email, newEmail: next, token }, user.locale, s.config.publicUrl);
      await transaction(s.db, async (c) => {
        const key = token.slice(-16);
        await queueMail(c, s.boss, s.config.publicUrl, {
          userId: user.id,
          kind: 'email_change',
          to: next,
          dedupeKey: `email:${key}`,
          message: m.confirm,
        });
        await queueMail(c, s.boss, s.config.publicUrl, {
          userId: user.id,
          kind: 'email_change_notice',
          to: user.email,
          dedupeKey: `email-notice:${key}`,
          message: m.notice,
        });
        await audit(c, { userId: user.id, action: 'user.email_change_asked', targetId: user.id, ip: request.ip });
      });
      return reply.status(202).send({ sentTo: next });
    },
  );

  app.delete(
    '/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Delete the account: runs cancelled, sign-ins revoked at the providers, every record removed',
        description:
          'The password is asked, and a code when two-factor sign-in is on. The account is gone at once; its ' +
          'OAuth sign-ins are then revoked where the provider offers it (Google, Dropbox; Microsoft offers ' +
          'no revocation of one app). The files Ferry copied stay where they are. A mail confirms it.',
        body: z.strictObject({ password: z.string().min(1).max(256), code: code.optional() }),
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await s.accounts.checkPassword(user.id, request.body.password);
      if (await s.twoFactor.isOn(user.id))
        await s.accounts.guardCode(user.id, async () => {
          if (!request.body.code || !(await s.twoFactor.checkCode(user.id, request.body.code)))
            throw errors.wrongCode();
        });
      const grants = await transaction(s.db, async (c) => {
        const held = await deleteAccount(c, s.boss, s.keyring, user.id);
        await queueMail(c, s.boss, s.config.publicUrl, {
          userId: null,
          kind: 'account_deleted',
          to: user.email,
          dedupeKey: `deleted:${user.id}`,
          message: deletedMessage(user.email, user.locale),
        });
        await audit(c, { userId: null, action: 'user.delete', targetId: user.id, ip: request.ip });
        return held;
      });
      const revoked = await revokeGrants(grants, s.oauthClients);
      await audit(s.db, { userId: null, action: 'user.grants_revoked', targetId: user.id, details: { revoked } });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me/export',
    {
      schema: {
        tags: ['account'],
        summary: 'Everything of the account as one JSON download: clouds (without secrets), tasks, runs, manifests',
        response: { 200: z.any().describe('{exportedAt, account, clouds, tasks, runs, manifest}'), ...errorsFor(401) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await audit(s.db, { userId: user.id, action: 'user.export', targetId: user.id, ip: request.ip });
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="ferry-${new Date().toISOString().slice(0, 10)}.json"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportAccount(s.db, user.id)));
    },
  );

  const auditOf = (request: FastifyRequest, action: string, details?: Record<string, unknown>) => {
    const user = userOf(request);
    return audit(s.db, { userId: user.id, action, targetId: user.id, ip: request.ip, details });
  };

  app.post(
    '/me/password',
    {
      schema: {
        tags: ['account'],
        summary: 'Change the password (the current one is asked); every other session ends',
        body: z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword }),
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await s.accounts.changePassword(
        user.id,
        request.body.currentPassword,
        request.body.newPassword,
        request.principal?.sessionDigest,
      );
      await auditOf(request, 'user.password_change');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'The account’s browser sessions: when made, last used, from where',
        response: { 200: page(sessionInfo), ...errorsFor(401) },
      },
    },
    async (request) => ({
      items: await s.accounts.listSessions(userOf(request).id, request.principal?.sessionDigest),
      nextCursor: null,
    }),
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['account'],
        summary: 'End a session (this one too: then sign in again)',
        params: idParams,
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await s.accounts.endSession(userOf(request).id, request.params.id);
      await auditOf(request, 'session.end', { session: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'End every session but this one (with a token: every session)',
        response: { 200: z.object({ ended: z.number().int() }), ...errorsFor(401, 403) },
      },
    },
    async (request) => {
      const ended = await s.accounts.endSessions(userOf(request).id, request.principal?.sessionDigest);
      await auditOf(request, 'session.end_all', { ended });
      return { ended };
    },
  );

  app.post(
    '/me/two-factor',
    {
      schema: {
        tags: ['account'],
        summary: 'Set up two-factor sign-in: the seed to scan (QR code) or type; on once confirmed with a code',
        response: {
          200: z.object({
            secret: z.string().describe('Base32, for apps that cannot scan'),
            otpauthUri: z.string(),
            qrSvg: z.string().describe('The otpauth URI as a QR code, an SVG document'),
          }),
          ...errorsFor(401, 403, 409),
        },
      },
    },
    async (request) => {
      const user = userOf(request);
      const enrolment = await s.twoFactor.begin(user.id, user.email);
      await auditOf(request, 'user.two_factor_begin');
      return enrolment;
    },
  );

  app.post(
    '/me/two-factor/confirm',
    {
      schema: {
        tags: ['account'],
        summary: 'Turn two-factor sign-in on with the app’s first code; answers the recovery codes, shown once',
        body: z.strictObject({ code }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errorsFor(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const recoveryCodes = await s.accounts.guardCode(user.id, () => s.twoFactor.enable(user.id, request.body.code));
      await auditOf(request, 'user.two_factor_on');
      return { recoveryCodes };
    },
  );

  app.delete(
    '/me/two-factor',
    {
      schema: {
        tags: ['account'],
        summary: 'Turn two-factor sign-in off: the password and a code (or a recovery code) are asked',
        body: z.strictObject({ password: z.string().min(1).max(256), code }),
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await s.accounts.checkPassword(user.id, request.body.password);
      await s.accounts.guardCode(user.id, async () => {
        if (!(await s.twoFactor.checkCode(user.id, request.body.code))) throw errors.wrongCode();
      });
      await s.twoFactor.disable(s.db, user.id);
      await auditOf(request, 'user.two_factor_off');
      return reply.status(204).send(null);
    },
  );
}
