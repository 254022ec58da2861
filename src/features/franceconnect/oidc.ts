import * as client from 'openid-client';
/** What a client needs of a provider's settings (FranceConnect's or ProConnect's). */
export interface ProviderSettings {
  townId: string;
  clientId: string;
  clientSecret: string;
  discoveryUrl: string;
  updatedAt: Date;
}

/**
 * OpenID Connect with openid-client (ADR 0022): authorization code with PKCE, `state` and
 * `nonce`, and the ID token's signature checked too (enableNonRepudiationChecks: without it
 * the library trusts the TLS channel for the token endpoint's answer).
 */

/** FranceConnect's scopes are its claims' names. */
export const FRANCECONNECT_SCOPE = 'openid given_name family_name birthdate birthplace birthcountry gender email';

/** What the browser must bring back, kept in the session between the two redirects. */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
  townId: string;
  startedAt: number;
  /** The eIDAS level the town asks (acr_values): the ID token's acr must reach it. */
  acr?: string;
}

export interface VerifiedIdentity {
  sub: string;
  idToken: string;
  claims: IdentityClaims;
}

export interface IdentityClaims {
  givenName: string;
  familyName: string;
  birthdate: string;
  birthplace: string;
  birthcountry: string;
  gender: string;
  email: string;
}

/** Discovery is one HTTP round trip: its answer is kept per town and settings' version. */
const configurations = new Map<string, { at: number; config: Promise<client.Configuration> }>();
const DISCOVERY_CACHE_MS = 10 * 60 * 1000;

export function clientConfiguration(settings: ProviderSettings, allowHttp: boolean, kind = 'franceconnect'): Promise<client.Configuration> {
  const key = `${kind}:${settings.townId}:${settings.updatedAt.getTime()}:${settings.clientId}`;
  const now = Date.now();
  const cached = configurations.get(key);
  if (cached && now - cached.at < DISCOVERY_CACHE_MS) return cached.config;
  const config = client.discovery(
    new URL(settings.discoveryUrl),
    settings.clientId,
    { client_secret: settings.clientSecret, id_token_signed_response_alg: undefined },
    client.ClientSecretPost(settings.clientSecret),
    {
      execute: allowHttp ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks],
      timeout: 10,
    },
  );
  configurations.set(key, { at: now, config });
  // A failed discovery is not kept: the next attempt asks again.
  config.catch(() => configurations.delete(key));
  if (configurations.size > 200) configurations.delete(configurations.keys().next().value as string);
  return config;
}

export async function authorizationUrl(
  config: client.Configuration,
  settings: ProviderSettings & { eidasLevel?: string },
  redirectUri: string,
  now: number,
  scope = FRANCECONNECT_SCOPE,
): Promise<{ url: URL; pending: PendingAuthorization }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(settings.eidasLevel ? { acr_values: settings.eidasLevel } : {}),
    prompt: 'login',
  });
  return {
    url,
    pending: {
      state,
      nonce,
      codeVerifier,
      townId: settings.townId,
      startedAt: now,
      ...(settings.eidasLevel ? { acr: settings.eidasLevel } : {}),
    },
  };
}

/** Throws on anything wrong: the provider's error, the state, the code, the ID token. */
export async function completeAuthorization(
  config: client.Configuration,
  callbackUrl: URL,
  pending: PendingAuthorization,
): Promise<VerifiedIdentity & { raw: Record<string, unknown> }> {
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (!idClaims || !tokens.id_token) throw new Error('no ID token');
  // acr_values is only a parameter of the address the browser follows: a user can lower it
  // there, and the provider then verifies (and says in `acr`) the lower level. Nothing in
  // openid-client compares them.
  if (pending.acr && !reachesLevel(idClaims.acr, pending.acr)) throw new Error('ID token below the eIDAS level asked');
  const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
  const text = (name: string) => {
    const value = info[name] ?? idClaims[name];
    return typeof value === 'string' ? value.slice(0, 200) : '';
  };
  return {
    sub: idClaims.sub,
    idToken: tokens.id_token,
    raw: { ...idClaims, ...info },
    claims: {
      givenName: text('given_name'),
      familyName: text('family_name'),
      birthdate: text('birthdate'),
      birthplace: text('birthplace'),
      birthcountry: text('birthcountry'),
      gender: text('gender'),
      email: text('email'),
    },
  };
}

/** How long a browser may take at the provider before its answer is refused. */
export const PENDING_MS = 10 * 60 * 1000;

export type CallbackOutcome =
  | { ok: true; identity: VerifiedIdentity & { raw: Record<string, unknown> } }
  | { ok: false; reason: 'cancelled' | 'no pending authorization' | 'verification'; err?: unknown };

/**
 * The provider's answer at our callback, for FranceConnect and ProConnect alike: the user's
 * cancel, then the flow this browser started (its town, its age), then the code, the state and
 * the ID token. The caller has already removed `pending` from the session: used once.
 */
export async function verifyCallback(input: {
  originalUrl: string;
  callbackUri: string;
  pending: PendingAuthorization | undefined;
  townId: string;
  now: number;
  configuration: () => Promise<client.Configuration>;
}): Promise<CallbackOutcome> {
  const query = new URL(input.originalUrl, 'http://x').searchParams;
  if (query.get('error') === 'access_denied') return { ok: false, reason: 'cancelled' };
  const { pending } = input;
  if (!pending || pending.townId !== input.townId || input.now - pending.startedAt > PENDING_MS) {
    return { ok: false, reason: 'no pending authorization' };
  }
  const current = new URL(input.callbackUri);
  current.search = query.toString();
  try {
    return { ok: true, identity: await completeAuthorization(await input.configuration(), current, pending) };
  } catch (err) {
    return { ok: false, reason: 'verification', err };
  }
}

const EIDAS_LEVELS = ['eidas1', 'eidas2', 'eidas3'];

/** eidas1 < eidas2 < eidas3; a missing or unknown acr reaches nothing. */
export function reachesLevel(acr: unknown, asked: string): boolean {
  const got = typeof acr === 'string' ? EIDAS_LEVELS.indexOf(acr) : -1;
  return got >= 0 && got >= EIDAS_LEVELS.indexOf(asked);
}

export function endSessionUrl(config: client.Configuration, idToken: string, postLogoutRedirectUri: string): URL | undefined {
  if (!config.serverMetadata().end_session_endpoint) return undefined;
  return client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri });
}
