import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { offeredProviders, updateOnlinePaymentSettings } from '../../../src/features/payments/payfip/online-payment-settings.service.js';
import { getOnlinePaymentSettings, listRegiesPayfip, type RegiePayfip } from '../../../src/repositories/payment-settings.repository.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { startFakePayfip, type FakePayfip } from '../../helpers/fake-payfip.js';
import { createParent, createRegie, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';

/**
 * The agents' online payment settings (issue 15), as Tarnos's admin fills them: the provider
 * (none, the demo bank outside production, PayFiP), PayFiP's mode and each régie's client
 * number, and the check of a saved number with PayFiP (the fake of its web service). Who may
 * open it, CSRF, and each kind of invalid input (French message, 400, typed values kept,
 * nothing saved).
 */
let t: TestApp;
let fake: FakePayfip;
let admin: SignedInAgent;
let plainAgent: SignedInAgent;
let bayeuxAdmin: SignedInAgent;
let parent: { agent: SignedInAgent['agent']; token: string };
let tarnos: string;
let regies: RegiePayfip[];
let bayeuxRegie: string;
const P = '/tarnos/agents/facturation/paiement-en-ligne';
const db = () => t.db.pool;
const field = (r: RegiePayfip) => `numcli-${r.id}`;

beforeAll(async () => {
  fake = await startFakePayfip();
  t = await createTestApp({ now: '2026-12-02T09:00:00Z', env: { PAYFIP_WS_URL: fake.wsUrl, PAYFIP_PAYMENT_URL: fake.paymentUrl } });
  tarnos = (await town(db(), 'tarnos')).id;
  await createRegie(db(), 'tarnos', { name: 'Régie Périscolaire', code: 'PERI' });
  bayeuxRegie = await createRegie(db(), 'bayeux', { name: 'Régie de Bayeux', code: 'BAY' });
  regies = await listRegiesPayfip(db(), tarnos);
  admin = await signedIn(t, 'tarnos', 'admin');
  plainAgent = await signedIn(t, 'tarnos', 'agent');
  bayeuxAdmin = await signedIn(t, 'bayeux', 'admin');
  const p = await createParent(db(), 'tarnos');
  const agent = t.agent();
  await signIn(agent, 'tarnos', p.username, p.password);
  parent = { agent, token: csrfFrom((await agent.get('/tarnos/').expect(200)).text) };
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

async function saved() {
  return {
    settings: await getOnlinePaymentSettings(db(), tarnos),
    numclis: (await listRegiesPayfip(db(), tarnos)).map((r) => r.payfipNumcli),
  };
}

/** Every régie's field, filled in order with `numclis`. */
function numclis(...values: string[]): Record<string, string> {
  return Object.fromEntries(regies.map((r, i) => [field(r), values[i] ?? '']));
}

function expectRefused(res: { status: number; text: string }, errors: [string, string][], values: Record<string, string>) {
  const seen = page(res);
  expect(res.status).toBe(400);
  expect(seen.title()).toMatch(/^Erreur : Paiement en ligne/);
  expect(seen.errorSummary()).toEqual(errors.map(([f, message]) => ({ field: f, message })));
  for (const [f, message] of errors) expect(seen.fieldError(f)).toBe(message);
  for (const [f, value] of Object.entries(values)) {
    if (f === 'prestataire' || f === 'mode') expect(seen.checked(f), f).toEqual(value === '' ? [] : [value]);
    else expect(seen.fieldValue(f), f).toBe(value);
  }
}

describe('the page', () => {
  it('is linked from the Facturation hub and shows the town’s settings: the demo bank by default, test mode, no numcli', async () => {
    const hub = page(await admin.agent.get('/tarnos/agents/facturation').expect(200));
    expect(hub.links('nav').find((l) => l.text === 'Paiement en ligne')?.href).toBe(P);
    const seen = page(await admin.agent.get(P).expect(200));
    expect(seen.title()).toBe('Paiement en ligne – Ville de Tarnos – Espace Famille');
    expect(seen.checked('prestataire')).toEqual(['builtin']);
    expect(seen.checked('mode')).toEqual(['T']);
    expect(regies.map((r) => seen.label(field(r)))).toEqual(regies.map((r) => `${r.name} (${r.code})`));
    expect(regies.map((r) => seen.fieldValue(field(r)))).toEqual(regies.map(() => ''));
  });

  it('answers 404 to visitors, parents, an agent who is not an admin and an admin of another town, on both verbs', async () => {
    const anonymous = t.agent();
    const token = csrfFrom((await anonymous.get('/tarnos/').expect(200)).text);
    const before = await saved();
    for (const who of [{ agent: anonymous, token }, parent, plainAgent, bayeuxAdmin]) {
      expect((await who.agent.get(P)).status).toBe(404);
      const res = await who.agent
        .post(P)
        .type('form')
        .send({ _csrf: who.token, prestataire: 'none', mode: 'T', ...numclis('123456', '654321') });
      expect(res.status).toBe(404);
    }
    expect(await saved()).toEqual(before);
  });

  it('refuses a post without the CSRF token, or with another session’s (403), saving nothing', async () => {
    const before = await saved();
    const form = { prestataire: 'none', mode: 'T', ...numclis('123456', '654321') };
    expect((await admin.agent.post(P).type('form').send(form)).status).toBe(403);
    expect((await post(admin, P, { ...form, _csrf: plainAgent.token })).status).toBe(403);
    expect((await admin.agent.post(P).type('form').send({ verifier: regies[0]!.id })).status).toBe(403);
    expect(await saved()).toEqual(before);
  });
});

describe('saving', () => {
  it('chooses PayFiP in activation mode with each régie’s numcli (spaces dropped), audited, and shows them again', async () => {
    const res = await post(admin, P, { prestataire: 'payfip', mode: 'X', ...numclis('123 456', '654321') });
    expect([res.status, res.headers.location]).toEqual([303, P]);
    expect(await saved()).toEqual({ settings: { provider: 'payfip', payfipMode: 'X' }, numclis: ['123456', '654321'] });
    const seen = page(await admin.agent.get(P).expect(200));
    expect(seen.one('.notice--success').text().trim()).toBe('Les réglages du paiement en ligne ont été enregistrés.');
    expect([seen.checked('prestataire'), seen.checked('mode')]).toEqual([['payfip'], ['X']]);
    expect(seen.fieldValue(field(regies[0]!))).toBe('123456');
    const audit = await auditRows(t, admin.id, 'payment_settings.update');
    expect(audit.at(-1)?.details).toEqual({
      provider: 'payfip',
      payfipMode: 'X',
      numclis: Object.fromEntries(regies.map((r, i) => [r.code, ['123456', '654321'][i]])),
    });
  });

  it('goes back to no online payment, and clears a régie’s number left empty', async () => {
    const res = await post(admin, P, { prestataire: 'none', mode: 'W', ...numclis('123456', '') });
    expect(res.status).toBe(303);
    expect(await saved()).toEqual({ settings: { provider: 'none', payfipMode: 'W' }, numclis: ['123456', null] });
  });

  it('refuses PayFiP while a régie has no numcli, with a French message at that régie, keeping what was typed', async () => {
    const before = await saved();
    const typed = { prestataire: 'payfip', mode: 'W', ...numclis('', '654321') };
    const res = await post(admin, P, typed);
    expectRefused(
      res,
      [
        [
          field(regies[0]!),
          `Saisissez le numéro client PayFiP de la régie ${regies[0]!.name} : PayFiP ne peut pas encaisser ses factures sans lui`,
        ],
      ],
      typed,
    );
    expect(await saved()).toEqual(before);
  });

  it('refuses a numcli that is not 6 digits, and the same number for two régies', async () => {
    const before = await saved();
    const wrong = { prestataire: 'none', mode: 'T', ...numclis('12345', 'abcdef') };
    expectRefused(
      await post(admin, P, wrong),
      regies.map((r) => [field(r), 'Le numéro client PayFiP a 6 chiffres, par exemple 012345']),
      wrong,
    );
    const twice = { prestataire: 'payfip', mode: 'T', ...numclis('123456', '123456') };
    expectRefused(
      await post(admin, P, twice),
      [[field(regies[1]!), `Ce numéro client est déjà celui de la régie ${regies[0]!.name} : chaque régie a le sien`]],
      twice,
    );
    expect(await saved()).toEqual(before);
  });

  it('refuses a missing or forged provider and mode, keeping the numbers typed', async () => {
    const before = await saved();
    const typed = { prestataire: 'paypal', mode: 'P', ...numclis('123456', '654321') };
    expectRefused(
      await post(admin, P, typed),
      [
        ['prestataire', 'Choisissez comment les familles paient leurs factures en ligne'],
        ['mode', 'Choisissez le mode de PayFiP : test, activation ou production'],
      ],
      { ...numclis('123456', '654321') },
    );
    expectRefused(
      await post(admin, P, numclis('123456')),
      [
        ['prestataire', 'Choisissez comment les familles paient leurs factures en ligne'],
        ['mode', 'Choisissez le mode de PayFiP : test, activation ou production'],
      ],
      { prestataire: '', mode: '' },
    );
    expect(await saved()).toEqual(before);
  });

  it('never offers nor accepts the demo bank in production', async () => {
    expect(offeredProviders(true)).toEqual(['none', 'payfip']);
    const ctx = { pool: db(), clock: t.clock, config: { ...t.config, isProduction: true } };
    const before = await saved();
    const result = await updateOnlinePaymentSettings(
      ctx,
      tarnos,
      { agentId: admin.id, actorLabel: admin.label, ip: null },
      {
        provider: 'builtin',
        payfipMode: 'T',
        numclis: [],
      },
    );
    expect(result).toEqual({
      ok: false,
      errors: [{ key: 'provider', message: expect.stringContaining('En production, choisissez PayFiP') as string }],
    });
    expect(await saved()).toEqual(before);
  });
});

describe('checking a numcli with PayFiP', () => {
  beforeAll(async () => {
    await post(admin, P, { prestataire: 'payfip', mode: 'T', ...numclis('123456', '999999') }).expect(303);
  });

  it('says PayFiP knows the saved number, with the régie’s labels, from the configured endpoint', async () => {
    fake.requests.length = 0;
    const res = await post(admin, P, { verifier: regies[0]!.id });
    expect([res.status, res.headers.location]).toEqual([303, P]);
    expect(fake.requests).toMatchObject([{ operation: 'recupererDetailClient', fields: { numCli: '123456' } }]);
    const seen = page(await admin.agent.get(P).expect(200));
    expect(seen.one('.notice--success').text().trim()).toBe(
      `PayFiP connaît le numéro client 123456 de la régie ${regies[0]!.name} : REGIE ENFANCE, COMMUNE DE TARNOS, ALSH ET RESTAURATION.`,
    );
  });

  it('says so when PayFiP does not know the number, or does not answer', async () => {
    await post(admin, P, { verifier: regies[1]!.id }).expect(303);
    let seen = page(await admin.agent.get(P).expect(200));
    expect(seen.one('.notice--warning').text().trim()).toBe(
      `PayFiP ne connaît pas le numéro client 999999 de la régie ${regies[1]!.name}. Vérifiez-le auprès de la DGFiP (votre comptable public).`,
    );
    fake.failNext({ kind: 'http', status: 503 });
    await post(admin, P, { verifier: regies[0]!.id }).expect(303);
    seen = page(await admin.agent.get(P).expect(200));
    expect(seen.one('.notice--warning').text().trim()).toBe(
      'PayFiP n’a pas répondu : le numéro client n’a pas pu être vérifié. Réessayez dans quelques minutes.',
    );
  });

  it('answers 404 for a régie of another town, an unknown or a malformed id, without asking PayFiP', async () => {
    fake.requests.length = 0;
    for (const id of [bayeuxRegie, '00000000-0000-4000-8000-000000000000', "1' or '1'='1"])
      expect((await post(admin, P, { verifier: id })).status).toBe(404);
    expect((await post(bayeuxAdmin, '/bayeux/agents/facturation/paiement-en-ligne', { verifier: regies[0]!.id })).status).toBe(404);
    expect(fake.requests).toEqual([]);
  });
});
