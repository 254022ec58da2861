import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** How the fake provider's token endpoint spoils the ID token it returns. */
export type IdTokenFault = 'none' | 'bad-signature' | 'wrong-issuer' | 'wrong-audience' | 'expired' | 'wrong-nonce';

export interface FakeOidc {
  issuer: string;
  discoveryUrl: string;
  /** The ID token's fault for the next token requests. */
  fault: IdTokenFault;
  /** The `sub` and claims the next tokens carry. */
  sub: string;
  claims: Record<string, string>;
  /** The nonce of the authorization request the test is completing (read from its URL). */
  nonce: string;
  tokenRequests: number;
  close(): Promise<void>;
}

/**
 * A minimal OpenID Connect provider built with jose, for the refusals the real provider never
 * produces: it answers discovery, JWKS, token and userinfo; the test skips the authorization
 * page and calls the portal's return address itself with any code.
 */
export async function startFakeOidc(clientId: string): Promise<FakeOidc> {
  const good = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(good.publicKey)), kid: 'cle-1', alg: 'RS256', use: 'sig' };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeOidc = {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    fault: 'none',
    sub: 'sub-de-test',
    claims: {},
    nonce: '',
    tokenRequests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  async function idToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const key: CryptoKey = fake.fault === 'bad-signature' ? other.privateKey : good.privateKey;
    return new SignJWT({ nonce: fake.fault === 'wrong-nonce' ? 'un-autre-nonce' : fake.nonce, acr: 'eidas1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'cle-1' })
      .setSubject(fake.sub)
      .setIssuer(fake.fault === 'wrong-issuer' ? 'https://faux-fournisseur.example' : issuer)
      .setAudience(fake.fault === 'wrong-audience' ? 'un-autre-client' : clientId)
      .setIssuedAt(fake.fault === 'expired' ? now - 7200 : now)
      .setExpirationTime(fake.fault === 'expired' ? now - 3600 : now + 60)
      .sign(key);
  }

  server.on('request', (req, res) => {
    const json = (body: unknown) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/logout`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (path === '/jwks') return json({ keys: [publicJwk] });
    if (path === '/token') {
      fake.tokenRequests += 1;
      req.resume();
      req.on('end', () => {
        void idToken().then((token) => json({ access_token: 'jeton-acces', token_type: 'Bearer', expires_in: 60, id_token: token }));
      });
      return;
    }
    if (path === '/userinfo') return json({ sub: fake.sub, ...fake.claims });
    res.statusCode = 404;
    res.end();
  });
  return fake;
}
