// What OAuth connectors (Google Drive, Dropbox, OneDrive) share: the access token they are handed,
// and what they declare so the service can run the sign-in for them. Connectors never see a refresh
// token or a client secret; the service stores, refreshes and rotates them.
import type { ConnectorEnv } from './types.ts';

/** A cloud's OAuth access token, as a connector gets it. */
export interface TokenSource {
  /** A current access token; refreshed first when it expires within a minute. */
  get(signal?: AbortSignal): Promise<string>;
  /**
   * The provider refused `stale` (HTTP 401): refreshes (once, shared by concurrent callers in every
   * process) and returns the new token. Throws CloudError('unauthorized') when the provider refuses
   * the refresh itself (revoked or expired sign-in: invalid_grant); the cloud is then marked
   * needs_reauth and its owner told to reconnect it.
   */
  refresh(stale: string, signal?: AbortSignal): Promise<string>;
}

export type OAuthProvider = 'google' | 'dropbox' | 'microsoft';

/**
 * How the operator configures a provider's OAuth client: `<env>_CLIENT_ID` and `<env>_CLIENT_SECRET`
 * (the app registered with the provider), `<env>_AUTH_URL` and `<env>_TOKEN_URL` (the provider's
 * endpoints unless overridden). Every connector that signs in with the provider shares it.
 */
export interface OAuthClientSetting {
  env: string;
  authUrl: string;
  tokenUrl: string;
  /**
   * How a grant is revoked, at this path on the token endpoint's host: Google takes the refresh token
   * as a form field; Dropbox an access token as the bearer (which ends its refresh token too).
   * Microsoft offers no revocation of one app's grant: none.
   */
  revoke?: { path: string; with: 'refresh_token' | 'access_token' };
}

export const OAUTH_CLIENTS: Record<OAuthProvider, OAuthClientSetting> = {
  google: {
    env: 'FERRY_GOOGLE',
    authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revoke: { path: '/revoke', with: 'refresh_token' },
  },
  dropbox: {
    env: 'FERRY_DROPBOX',
    authUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    revoke: { path: '/2/auth/token/revoke', with: 'access_token' },
  },
  microsoft: {
    env: 'FERRY_MS',
    authUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  },
};

/** What a connector declares to be connected by signing in. */
export interface OAuthSpec {
  /** Whose OAuth client signs in (OAUTH_CLIENTS: FERRY_GOOGLE_*, FERRY_DROPBOX_*, FERRY_MS_*). */
  provider: OAuthProvider;
  scopes: string[];
  /** Extra authorize parameters, e.g. what asks for offline access. */
  authorizeParams: Record<string, string>;
  /**
   * Who signed in: a stable account id and a name a person recognises (email or display name).
   * `extra.idToken`: the OpenID id_token of the sign-in, when the scopes asked for one.
   */
  account(
    accessToken: string,
    env: ConnectorEnv,
    signal?: AbortSignal,
    extra?: { idToken?: string },
  ): Promise<{ id: string; name: string }>;
}
