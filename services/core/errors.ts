// One error model for the whole service: every error a client can see is an AppError with a
// stable machine code, an HTTP status and a message a person can act on.

export type ErrorCode =
  | 'invalid_request'
  | 'malformed_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'csrf_failed'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'email_taken'
  | 'email_unverified'
  | 'account_suspended'
  | 'plan_limit'
  | 'wrong_password'
  | 'wrong_code'
  | 'invalid_token'
  | 'rate_limited'
  | 'provider_unavailable'
  | 'cloud_unreachable'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
  }

  render(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const errors = {
  invalid: (message: string) => new AppError('invalid_request', 400, message),
  unauthorized: (message = 'Sign in or send a personal access token.') => new AppError('unauthorized', 401, message),
  invalidCredentials: () => new AppError('invalid_credentials', 401, 'Wrong email or password.'),
  csrf: () =>
    new AppError(
      'csrf_failed',
      403,
      'Missing or wrong x-csrf-token header: send the csrfToken returned at login with every change.',
    ),
  notFound: (what: string) => new AppError('not_found', 404, `${what} not found.`),
  conflict: (message: string) => new AppError('conflict', 409, message),
  emailTaken: () => new AppError('email_taken', 409, 'An account with this email already exists. Log in instead.'),
  emailUnverified: () =>
    new AppError(
      'email_unverified',
      403,
      'Confirm your email address first: follow the link Ferry mailed you, ' +
        'or ask for a new one on your Account page (API: POST /api/v1/auth/verify).',
    ),
  invalidToken: () =>
    new AppError(
      'invalid_token',
      400,
      'This link is unknown or has expired: sign in and ask for a new ' +
        'one on your Account page (API: POST /api/v1/auth/verify).',
    ),
  suspended: () =>
    new AppError(
      'account_suspended',
      403,
      'This account is suspended: nothing runs and no one can sign in to it. Ask the operator of this Ferry.',
    ),
  /** The user's plan allows no more of something (tasks, clouds) or not this provider. */
  planLimit: (message: string) => new AppError('plan_limit', 403, message),
  wrongPassword: () => new AppError('wrong_password', 403, 'The password is wrong.'),
  wrongCode: () =>
    new AppError('wrong_code', 403, 'The code is wrong or was used already: enter the one your app shows now.'),
  invalidResetLink: () =>
    new AppError(
      'invalid_token',
      400,
      'This link is unknown, used or expired: ask for a new one with “Forgot your password?” on the sign-in page.',
    ),
  invalidChallenge: () =>
    new AppError('invalid_token', 400, 'This sign-in has expired or was completed: sign in with your password again.'),
  forbidden: (message: string) => new AppError('forbidden', 403, message),
  providerUnavailable: (message: string) => new AppError('provider_unavailable', 422, message),
  cloudUnreachable: (message: string, cause?: unknown) => new AppError('cloud_unreachable', 502, message, { cause }),
};
