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

/** What a connector declares to be connected by signing in. */
export interface OAuthSpec {
  /** Which client and endpoints of the configuration (FERRY_GOOGLE_*, FERRY_DROPBOX_*, FERRY_MS_*). */
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
