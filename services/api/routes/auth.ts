// Accounts: signup, login, logout, the current user, personal access tokens.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { LoginLockedError, SuspendedLoginError } from '../../core/accounts.ts';
import { AppError } from '../../core/errors.ts';
import { audit } from '../../core/audit.ts';
import { transaction } from '../../core/db.ts';
import { errors } from '../../core/errors.ts';
import { localeFrom } from '../../core/mail/strings.ts';
import { originOf, SESSION_COOKIE, userOf } from '../auth.ts';
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
import {
  credentials,
  errorBody,
  errorsFor,
  idParams,
  me,
  meChanges,
  newToken,
  page,
  secondStep,
  session,
  signupBody,
  tokenInfo,
  tokenName,
} from '../schemas.ts';

export function publicAuthRoutes(app: App, s: Services): void {
  const limited = { rateLimit: { max: s.config.authRateLimit, timeWindow: 60_000 } };
  const setSession = (reply: FastifyReply, token: string, maxAge: number) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: s.config.secureCookies,
      path: '/',
      maxAge,
    });

  app.post(
    '/auth/signup',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Create an account and sign in; with address verification on, a confirmation link is mailed',
        body: signupBody,
        response: { 201: session, ...errorsFor(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const locale = request.body.locale ?? localeFrom(request.headers['accept-language']) ?? 'en';
      const { user, session: sess } = await transaction(s.db, async (c) => {
        const created = await s.accounts.signup(c, email, password, locale, originOf(request));
        if (s.config.verifyEmail) await s.notifier.verifyAddress(c, created.user);
        await audit(c, { userId: created.user.id, action: 'user.signup', targetId: created.user.id, ip: request.ip });
        return created;
      });
      setSession(reply, sess.token, sess.maxAgeSeconds);
      return reply.status(201).send({ user, csrfToken: sess.csrfToken });
    },
  );

  // The link mailed at signup. Opening it changes nothing (see confirm-page.ts: mail scanners open
  // every link, and would confirm an address for whoever typed it in); it shows the address with a
  // button whose POST to /auth/verify/confirm confirms. POST /auth/verify itself mails a new link.
  const verifyToken = z.string().min(1).max(200);
  app.get(
    '/auth/verify',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'The link mailed at signup: a page asking to confirm the address (changes nothing)',
        querystring: z.strictObject({ token: verifyToken }),
        response: {
          200: pageResponse(z.object({ email: z.string(), emailVerified: z.literal(false) })),
          400: pageResponse(errorBody),
          ...errorsFor(429),
        },
      },
    },
    async (request, reply) => {
      const pending = await s.accounts.pendingVerification(request.query.token);
      if (wantsJson(request)) {
        if (!pending) throw errors.invalidToken();
        return reply.send({ email: pending.email, emailVerified: false as const });
      }
      if (!pending) return sendUnusableLink(reply, errors.invalidToken().message);
      // Relative: /auth/verify/confirm, wherever Ferry is reached.
      return sendPage(
        reply,
        200,
        'Confirm your email address',
        `<p>A Ferry account was created with the address <strong>${escapeHtml(pending.email)}</strong>. ` +
          `Ferry sends it mail about its backups once it is confirmed.</p>` +
          `<p>If you did not sign up for Ferry, close this page: the address stays unconfirmed.</p>` +
          confirmForm('verify/confirm', request.query.token, 'Confirm'),
      );
    },
  );

  // The page's form posts urlencoded; that body is taken on this route only.
  app.register(async (scope: App) => {
    acceptForm(scope);
    scope.post(
      '/auth/verify/confirm',
      {
        config: limited,
        schema: {
          tags: ['auth'],
          summary: 'Confirm an email address (the token of the link mailed at signup)',
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
          body: z.strictObject({ token: verifyToken }),
          response: {
            200: pageResponse(z.object({ email: z.string(), emailVerified: z.literal(true) })),
            400: pageResponse(errorBody),
            ...errorsFor(429),
          },
        },
      },
      async (request, reply) => {
        const verified = await s.accounts.verifyEmail(request.body.token);
        if (wantsJson(request)) {
          if (!verified) throw errors.invalidToken();
          return reply.send({ email: verified.email, emailVerified: true as const });
        }
        if (!verified) return sendUnusableLink(reply, errors.invalidToken().message);
        return sendPage(
          reply,
          200,
          'Confirmed',
          `<p><strong>${escapeHtml(verified.email)}</strong> is confirmed. You can close this page.</p>`,
        );
      },
    );
  });

  app.post(
    '/auth/login',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        body: credentials.extend({ password: z.string().min(1).max(256) }),
        description:
          `Past ${s.config.loginFailureLimit} failed logins for an address within 15 minutes, its logins ` +
          `are refused (429, Retry-After) until those 15 minutes are over; a successful login clears the count.`,
        response: { 200: z.union([session, secondStep]), ...errorsFor(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      try {
        const done = await s.accounts.login(request.body.email, request.body.password, originOf(request));
        if ('challenge' in done) {
          await audit(s.db, {
            userId: done.user.id,
            action: 'user.login_password',
            targetId: done.user.id,
            ip: request.ip,
          });
          return { secondFactorRequired: true as const, challenge: done.challenge };
        }
        await audit(s.db, { userId: done.user.id, action: 'user.login', targetId: done.user.id, ip: request.ip });
        setSession(reply, done.session.token, done.session.maxAgeSeconds);
        return { user: done.user, csrfToken: done.session.csrfToken };
      } catch (err) {
        // Attempts refused unchecked (the account's failure limit) are told apart from wrong passwords,
        // and the right password for a suspended account from both.
        if (err instanceof SuspendedLoginError)
          await audit(s.db, {
            userId: err.userId,
            action: 'user.login_suspended',
            targetId: err.userId,
            ip: request.ip,
          });
        else {
          const action = err instanceof LoginLockedError ? 'user.login_refused' : 'user.login_failed';
          await audit(s.db, { userId: null, action, ip: request.ip, details: { email: request.body.email } });
        }
        throw err;
      }
    },
  );

  app.post(
    '/auth/login/second-factor',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Sign in, second step: the code of the authenticator app, or a recovery code',
        description:
          'The challenge comes from POST /auth/login and is good for 5 minutes and one success. Wrong codes ' +
          `count against the account: past ${s.config.loginFailureLimit} within 15 minutes, 429 with Retry-After.`,
        body: z.strictObject({ challenge: z.string().min(1).max(200), code: z.string().min(1).max(40) }),
        response: { 200: session, ...errorsFor(400, 403, 429) },
      },
    },
    async (request, reply) => {
      try {
        const { user, session: sess } = await s.accounts.secondStep(
          request.body.challenge,
          (userId) => s.twoFactor.checkCode(userId, request.body.code),
          originOf(request),
        );
        await audit(s.db, { userId: user.id, action: 'user.login', targetId: user.id, ip: request.ip });
        setSession(reply, sess.token, sess.maxAgeSeconds);
        return { user, csrfToken: sess.csrfToken };
      } catch (err) {
        if (err instanceof AppError && err.code === 'wrong_code')
          await audit(s.db, { userId: null, action: 'user.second_factor_failed', ip: request.ip });
        throw err;
      }
    },
  );
}

export function authRoutes(app: App, s: Services): void {
  app.post(
    '/auth/verify',
    {
      config: { rateLimit: { max: 3, timeWindow: 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Mail a new link that confirms the address',
        response: { 202: z.object({ sentTo: z.string() }), ...errorsFor(401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      if (user.emailVerified) throw errors.conflict('Your address is confirmed already.');
      await transaction(s.db, (c) => s.notifier.verifyAddress(c, user));
      return reply.status(202).send({ sentTo: user.email });
    },
  );

  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null(), ...errorsFor(401, 403) } } },
    async (request, reply) => {
      if (request.principal?.sessionDigest) await s.accounts.logout(request.principal.sessionDigest);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and this month’s traffic',
        response: { 200: me, ...errorsFor(401) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const [usage, twoFactor] = await Promise.all([s.accounts.usage(user.id), s.twoFactor.isOn(user.id)]);
      return {
        ...user,
        usage,
        csrfToken: request.principal?.csrfToken,
        twoFactor,
        emailVerificationRequired: s.config.verifyEmail,
      };
    },
  );

  app.patch(
    '/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the account: the language of its mails and of the web app',
        body: meChanges,
        response: { 200: me, ...errorsFor(400, 401, 403) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const changed = await transaction(s.db, async (c) => {
        const updated = await s.accounts.setLocale(c, user.id, request.body.locale);
        await audit(c, {
          userId: user.id,
          action: 'user.update',
          targetId: user.id,
          ip: request.ip,
          details: { locale: request.body.locale },
        });
        return updated;
      });
      return {
        ...changed,
        usage: await s.accounts.usage(user.id),
        csrfToken: request.principal?.csrfToken,
        twoFactor: await s.twoFactor.isOn(user.id),
        emailVerificationRequired: s.config.verifyEmail,
      };
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a personal access token (shown once)',
        body: z.strictObject({ name: tokenName }),
        response: { 201: newToken, ...errorsFor(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const token = await transaction(s.db, async (client) => {
        const t = await s.accounts.createToken(user.id, request.body.name, client);
        await audit(client, { userId: user.id, action: 'token.create', targetId: t.id, ip: request.ip });
        return t;
      });
      return reply.status(201).send(token);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'List personal access tokens',
        response: { 200: page(tokenInfo), ...errorsFor(401) },
      },
    },
    async (request) => ({ items: await s.accounts.listTokens(userOf(request).id), nextCursor: null }),
  );

  app.delete(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke every personal access token of the account',
        response: { 200: z.object({ revoked: z.number().int() }), ...errorsFor(401, 403) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const revoked = await s.accounts.deleteTokens(user.id);
      await audit(s.db, {
        userId: user.id,
        action: 'token.delete_all',
        targetId: user.id,
        ip: request.ip,
        details: { revoked },
      });
      return { revoked };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a personal access token',
        params: idParams,
        response: { 204: z.null(), ...errorsFor(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      await s.accounts.deleteToken(user.id, request.params.id);
      await audit(s.db, { userId: user.id, action: 'token.delete', targetId: request.params.id, ip: request.ip });
      return reply.status(204).send(null);
    },
  );
}
