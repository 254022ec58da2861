import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { auditRows, post, signedIn as signedInAgent, type SignedInAgent } from '../settings/helpers.js';
import { summaryOf, textOf } from '../signup/signup-helpers.js';

/** Issue 18: FranceConnect's settings, for a town's admins; the secret is never shown back. */
let t: TestApp;
let admin: SignedInAgent;
const PAGE = urls.agentSettingsFranceConnect('tarnos');

beforeAll(async () => {
  t = await createTestApp();
  admin = await signedInAgent(t, 'tarnos', 'admin');
});
afterAll(async () => t.close());

const VALID = {
  active: 'oui',
  identifiantClient: 'client-tarnos',
  secretClient: 'un-secret-tres-long',
  urlDecouverte: 'https://fcp.integ01.dev-franceconnect.fr/api/v2/.well-known/openid-configuration',
  niveauEidas: 'eidas1',
};

const stored = async () =>
  (await t.db.pool.query(`select f.* from franceconnect_settings f join towns on towns.id = f.town_id where slug = 'tarnos'`)).rows[0];

describe('the FranceConnect settings', () => {
  it('saves valid settings, shows the button on the home page, and never shows the secret back', async () => {
    const res = await post(admin, PAGE, VALID);
    expect(res.status).toBe(303);
    expect(await stored()).toEqual(
      expect.objectContaining({ enabled: true, client_id: 'client-tarnos', client_secret: 'un-secret-tres-long', eidas_level: 'eidas1' }),
    );
    const page = await admin.agent.get(PAGE);
    expect(page.text).not.toContain('un-secret-tres-long');
    expect(textOf(page.text)).toContain('Un secret est enregistré');
    expect((await t.agent().get(urls.townHome('tarnos'))).text).toContain("Qu'est-ce que FranceConnect ?");

    // Saved again with the secret left empty: the stored one stays.
    expect((await post(admin, PAGE, { ...VALID, secretClient: '', niveauEidas: 'eidas2' })).status).toBe(303);
    expect(await stored()).toEqual(expect.objectContaining({ client_secret: 'un-secret-tres-long', eidas_level: 'eidas2' }));
    const audit = await auditRows(t, admin.id, 'franceconnect.settings');
    expect(audit.length).toBe(2);
    expect(JSON.stringify(audit)).not.toContain('un-secret-tres-long');

    expect((await post(admin, PAGE, { ...VALID, active: 'non', secretClient: '' })).status).toBe(303);
    expect((await t.agent().get(urls.townHome('tarnos'))).text).not.toContain('FranceConnect');
  });

  it('refuses invalid settings with messages by field, and keeps what was typed but the secret', async () => {
    const res = await post(admin, PAGE, {
      active: 'oui',
      identifiantClient: '',
      secretClient: 'secret',
      urlDecouverte: 'ftp://exemple',
      niveauEidas: 'eidas9',
    });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text).map(([field]) => field)).toEqual(
      expect.arrayContaining(['identifiantClient', 'urlDecouverte', 'niveauEidas']),
    );
    expect(res.text).toContain('ftp://exemple');
    expect(res.text).not.toContain('value="secret"');
  });

  it('refuses a post without its token, and is a 404 for an agent who is not an admin', async () => {
    const before = await stored();
    const res = await admin.agent
      .post(PAGE)
      .type('form')
      .send({ ...VALID, identifiantClient: 'sans-jeton' });
    expect(res.status).toBe(403);
    expect((await stored())?.client_id).toBe(before?.client_id);
    const agent = await signedInAgent(t, 'tarnos', 'agent');
    expect((await agent.agent.get(PAGE)).status).toBe(404);
    expect((await post(agent, PAGE, VALID)).status).toBe(404);
    // An admin of another town.
    expect((await admin.agent.get(urls.agentSettingsFranceConnect('bayeux'))).status).not.toBe(200);
  });
});

describe('the demo towns (npm start)', () => {
  it('get FranceConnect against the built-in provider, follow PUBLIC_BASE_URL, and keep an admin’s own settings', async () => {
    const { loadDemoFranceConnect } = await import('../../../src/db/demo-franceconnect.js');
    await loadDemoFranceConnect(t.db.pool, 'http://localhost:3000', ['villennes', 'bondoufle']);
    await loadDemoFranceConnect(t.db.pool, 'http://localhost:4000', ['villennes', 'bondoufle']);
    const { rows } = await t.db.pool.query(
      `select slug, enabled, client_id, discovery_url from franceconnect_settings f join towns on towns.id = f.town_id where slug in ('villennes', 'bondoufle') order by slug`,
    );
    expect(rows).toEqual([
      {
        slug: 'bondoufle',
        enabled: true,
        client_id: 'bondoufle',
        discovery_url: 'http://localhost:4000/fournisseur-identite-de-test/.well-known/openid-configuration',
      },
      {
        slug: 'villennes',
        enabled: true,
        client_id: 'villennes',
        discovery_url: 'http://localhost:4000/fournisseur-identite-de-test/.well-known/openid-configuration',
      },
    ]);
    // Tarnos's admin set a real provider above: left alone.
    await loadDemoFranceConnect(t.db.pool, 'http://localhost:4000', ['tarnos']);
    expect((await stored()).client_id).toBe('client-tarnos');
  });
});
