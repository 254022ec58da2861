import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import Provider, { type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppDeps } from '../../deps.js';
import { absoluteUrl, urls } from '../../routes.js';
import { TEST_AGENT_IDENTITIES, TEST_IDENTITIES, findTestIdentity } from './test-identities.js';

/**
 * The built-in OpenID Connect provider of development and tests (issue 18, ADR 0022), never
 * mounted in production: oidc-provider speaking the protocol FranceConnect speaks, with a
 * page to choose one of a few test identities. A town is a client whose id is its slug and
 * whose secret is DEV_CLIENT_SECRET: its redirect URIs follow from the slug, so every town
 * (the demo's, the tests') can use it without registering anything.
 */
export const DEV_CLIENT_SECRET = 'secret-du-fournisseur-de-test';

/** The town a client id names: anything else is no client. */
const CLIENT_ID = /^[a-z][a-z0-9-]{1,40}$/;

export function devIssuer(publicBaseUrl: string): string {
  return absoluteUrl(publicBaseUrl, urls.devIdentityProvider());
}

/** Everything the provider keeps (codes, sessions, grants) lives in this process's memory; clients are computed. */
function memoryAdapter(publicBaseUrl: string) {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const read = (key: string) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return class DevAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
      // Bounded: a crawler of /auth cannot grow it without end.
      if (store.size > 5000) store.delete(store.keys().next().value as string);
      store.set(this.key(id), { payload, expiresAt: Date.now() + (expiresIn || 3600) * 1000 });
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        if (!CLIENT_ID.test(id)) return undefined;
        return {
          client_id: id,
          client_secret: DEV_CLIENT_SECRET,
          // One client per town for both: FranceConnect's return (parents) and ProConnect's (agents).
          redirect_uris: [
            absoluteUrl(publicBaseUrl, urls.franceConnectCallback(id)),
            absoluteUrl(publicBaseUrl, urls.agentProConnectCallback(id)),
          ],
          post_logout_redirect_uris: [absoluteUrl(publicBaseUrl, `${urls.townHome(id)}?deconnexion=1`)],
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        } as AdapterPayload;
      }
      return read(this.key(id));
    }
    async findByUid(uid: string) {
      for (const [key, entry] of store) if (key.startsWith(`${this.model}:`) && entry.payload.uid === uid) return read(key);
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = read(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    }
  };
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Fournisseur d'identité de test</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The provider, and the page where one chooses a test identity (a middleware, not a route: it takes no token of the app's). */
export function devIdentityProvider({ config, logger }: Pick<AppDeps, 'config' | 'logger'>): RequestHandler {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
  const claimNames = [
    'given_name',
    'family_name',
    'birthdate',
    'birthplace',
    'birthcountry',
    'gender',
    'email',
    'usual_name',
    'siret',
    'uid',
  ];

  const provider = new Provider(devIssuer(config.publicBaseUrl), {
    adapter: memoryAdapter(config.publicBaseUrl),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    // FranceConnect's scopes are its claims' names.
    scopes: ['openid', ...claimNames],
    claims: Object.fromEntries([['openid', ['sub']], ...claimNames.map((name) => [name, [name]])]),
    acrValues: ['eidas1', 'eidas2', 'eidas3'],
    pkce: { required: () => true },
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 300, IdToken: 300 },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.body = page(
            'Se déconnecter',
            `<p>Vous quittez aussi le fournisseur d'identité de test.</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Se déconnecter</button>`,
          );
        },
        postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => {
          ctx.body = page('Vous êtes déconnecté', "<p>Vous êtes déconnecté du fournisseur d'identité de test.</p>");
        },
      },
    },
    interactions: { url: (_ctx, interaction) => urls.devIdentityProviderInteraction(interaction.uid) },
    findAccount: (_ctx, id) => {
      const identity = findTestIdentity(id);
      if (!identity) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...identity.claims }) };
    },
    // A test provider has no consent to ask: what the client asks is granted.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Erreur', `<p>Le fournisseur d'identité de test a refusé la demande : ${escape(String(out.error))}.</p>`);
    },
  });
  const callback = provider.callback();

  async function interaction(req: Request, res: Response, uid: string) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return res.status(400).send(page('Erreur', '<p>Cette demande a expiré.</p>'));
    // ProConnect asks for the SIRET: its test identities are agents'.
    const identities = String(details.params.scope ?? '')
      .split(' ')
      .includes('siret')
      ? TEST_AGENT_IDENTITIES
      : TEST_IDENTITIES;
    if (req.method === 'GET') {
      return res.render('dev/identity-provider', {
        title: "Fournisseur d'identité de test",
        action: urls.devIdentityProviderInteraction(uid),
        identities,
      });
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('action') === 'annuler') {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: "L'usager a annulé" },
        { mergeWithLastSubmission: false },
      );
    }
    const identity = identities.find((i) => i.id === form.get('identite'));
    if (!identity) {
      return res.status(400).render('dev/identity-provider', {
        title: "Fournisseur d'identité de test",
        action: urls.devIdentityProviderInteraction(uid),
        identities,
        errors: [{ field: 'identite', message: 'Choisissez une identité de test' }],
        fieldErrors: { identite: 'Choisissez une identité de test' },
      });
    }
    const acr = typeof details.params.acr_values === 'string' ? details.params.acr_values.split(' ')[0] : undefined;
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: identity.id, ...(acr ? { acr } : {}) } },
      { mergeWithLastSubmission: false },
    );
  }

  return (req: Request, res: Response) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]{1,100})$/.exec(req.path);
    if (match && (req.method === 'GET' || req.method === 'POST')) {
      interaction(req, res, match[1]!).catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'dev identity provider: interaction refused');
        if (!res.headersSent) res.status(400).send(page('Erreur', '<p>Cette demande a expiré. Recommencez depuis le portail.</p>'));
      });
      return;
    }
    // oidc-provider serves from the mount point: Express has already stripped it from req.url.
    void callback(req, res);
  };
}

function readBody(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
