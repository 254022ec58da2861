import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findActiveMandate, saveSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createDocument, createParent, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { bookedFamily, invoiceMonth, invoicesOf, regieWithActivity, signedIn } from '../billing/parent-billing.js';

/**
 * "Clôturer mon compte" (issue 17): the password and a confirmation, then the account, its
 * storage, sessions and calendar feeds are gone, its mandate revoked; the family file and the
 * invoices stay; the other adults of the file are told.
 */

let t: TestApp;
let bayeux: string;
let regie: { activityId: string; regieId: string };
const db = () => t.db.pool;
const PAGE = '/bayeux/mon-espace/compte/cloturer';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  bayeux = (await town(db(), 'bayeux')).id;
  await saveSepaSettings(
    db(),
    bayeux,
    {
      enabled: true,
      creditorId: 'FR72ZZZ123456',
      creditorName: 'Régie de Bayeux',
      creditorIban: 'FR7630006000011234567890189',
      creditorBic: 'AGRIFRPP',
      prenotificationDays: 14,
    },
    new Date(),
  );
  regie = await regieWithActivity(t, 'bayeux');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

let families = 0;

/** A family invoiced for November, its parent signed in twice (two devices), a document, a mandate, a feed, and a second adult with an account. */
async function familyReady() {
  families += 1;
  const f = await bookedFamily(t, 'bayeux', regie.activityId, { name: `CLOS${families}`, present: ['2026-11-02'] });
  await invoiceMonth(t, bayeux, regie.regieId, '2026-11');
  const other = await createParent(db(), 'bayeux', { familyId: f.familyId, lastName: `CLOS${families}`, firstNames: 'Marie' });
  const agent = await signedIn(t, 'bayeux', f.parent);
  const phone = await signedIn(t, 'bayeux', f.parent);
  await createDocument(db(), 'bayeux', f.parent.id, { title: 'Justificatif de domicile' });
  const mandatePage = '/bayeux/mon-espace/compte/prelevement';
  const signed = await agent
    .post(mandatePage)
    .type('form')
    .send({
      _csrf: await csrfToken(agent, mandatePage),
      titulaire: 'Claire Martin',
      iban: 'FR7630006000011234567890189',
      bic: '',
      adresse: '3 rue des Lilas, 14400 Bayeux',
      lieu: 'Bayeux',
      consentement: 'oui',
    });
  expect(signed.status).toBe(303);
  const feedPage = `/bayeux/mon-espace/enfants/${f.childId}/agenda/calendrier`;
  await agent
    .post(`${feedPage}/creer`)
    .type('form')
    .send({ _csrf: await csrfToken(agent, feedPage) });
  const feedPath = new URL(page(await agent.get(feedPage)).fieldValue('adresse-https')).pathname;
  expect((await supertest(t.app).get(feedPath)).status).toBe(200);
  return { ...f, other, agent, phone, feedPath };
}

async function close(agent: supertest.Agent, fields: Record<string, string>) {
  return agent
    .post(PAGE)
    .type('form')
    .send({ _csrf: await csrfToken(agent, PAGE), ...fields });
}

const accountExists = async (id: string) => (await db().query('select 1 from accounts where id = $1', [id])).rowCount === 1;

describe('closing one’s account', () => {
  it('is linked from Mon compte and says what is kept and what is deleted', async () => {
    const f = await familyReady();
    const account = page(await f.agent.get('/bayeux/mon-espace/compte'));
    expect(account.links().find((l) => l.text === 'Clôturer mon compte')?.href).toBe(PAGE);
    const shown = page(await f.agent.get(PAGE));
    expect(shown.heading()).toBe('Clôturer mon compte');
    expect(shown.texts('main h2')).toEqual(expect.arrayContaining(['Ce qui est supprimé', 'Ce que la commune doit conserver']));
    expect(shown.label('confirmation')).toBe("J'ai compris que la clôture de mon compte est définitive");
  });

  it('refuses a wrong password, a missing one and a missing confirmation, deleting nothing', async () => {
    const f = await familyReady();
    const wrong = page(await close(f.agent, { motDePasse: 'pas le bon', confirmation: 'oui' }));
    expect(wrong.errorSummary()).toEqual([{ field: 'motDePasse', message: 'Le mot de passe est incorrect' }]);
    expect(wrong.checked('confirmation')).toEqual(['oui']);
    const missing = await close(f.agent, { motDePasse: '' });
    expect(missing.status).toBe(400);
    expect(
      page(missing)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['motDePasse', 'confirmation']);
    const unconfirmed = page(await close(f.agent, { motDePasse: f.parent.password }));
    expect(unconfirmed.fieldError('confirmation')).toBe('Cochez la case pour confirmer la clôture de votre compte');
    expect(await accountExists(f.parent.id)).toBe(true);
    expect((await supertest(t.app).get(f.feedPath)).status).toBe(200);
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeDefined();
  });

  it('refuses a form without its CSRF token', async () => {
    const f = await familyReady();
    const res = await f.agent.post(PAGE).type('form').send({ motDePasse: f.parent.password, confirmation: 'oui' });
    expect(res.status).toBe(403);
    expect(await accountExists(f.parent.id)).toBe(true);
  });

  it('allows five tries in 15 minutes', async () => {
    const f = await familyReady();
    for (let i = 0; i < 5; i++) expect((await close(f.agent, { motDePasse: 'faux', confirmation: 'oui' })).status).toBe(400);
    expect((await close(f.agent, { motDePasse: f.parent.password, confirmation: 'oui' })).status).toBe(429);
    expect(await accountExists(f.parent.id)).toBe(true);
  });

  it('is closed to visitors, agents and another town’s parent', async () => {
    const f = await familyReady();
    expect((await supertest(t.app).get(PAGE)).status).not.toBe(200);
    const admin = await createAgentFixture(db(), 'bayeux', 'admin');
    const agent = t.agent();
    await signInAgent(agent, 'bayeux', admin.username, admin.password);
    expect((await agent.get(PAGE)).status).not.toBe(200);
    const tarnos = await createParent(db(), 'tarnos');
    const stranger = t.agent();
    await signIn(stranger, 'tarnos', tarnos.username, tarnos.password);
    expect((await stranger.get(PAGE)).status).not.toBe(200);
    expect(await accountExists(f.parent.id)).toBe(true);
  });

  it('closes the account: storage, sessions, feed and mandate gone; family file and invoices kept; the other adult told', async () => {
    const f = await familyReady();
    const invoicesBefore = await invoicesOf(t, bayeux, f.familyId);
    expect(invoicesBefore.length).toBeGreaterThan(0);

    const res = await close(f.agent, { motDePasse: f.parent.password, confirmation: 'oui' });
    expect([res.status, res.headers.location]).toEqual([303, '/bayeux/mon-espace/compte/cloture-confirmee']);
    const done = page(await f.agent.get(res.headers.location!));
    expect(done.heading()).toBe('Compte clôturé');

    expect(await accountExists(f.parent.id)).toBe(false);
    expect((await signIn(t.agent(), 'bayeux', f.parent.username, f.parent.password)).status).not.toBe(303);
    expect((await db().query('select 1 from private_documents where account_id = $1', [f.parent.id])).rowCount).toBe(0);
    expect((await db().query(`select 1 from session where sess::jsonb ->> 'accountId' = $1`, [f.parent.id])).rowCount).toBe(0);
    // The other device is signed out too.
    expect((await f.phone.get('/bayeux/mon-espace')).status).not.toBe(200);
    expect((await supertest(t.app).get(f.feedPath)).status).toBe(404);
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeUndefined();
    expect((await db().query('select 1 from sepa_mandates where family_id = $1 and revoked_at is not null', [f.familyId])).rowCount).toBe(
      1,
    );

    expect((await db().query('select 1 from families where id = $1', [f.familyId])).rowCount).toBe(1);
    // The parent stays an adult of the family file, without an account.
    const adults = await db().query<{ email: string; account_id: string | null }>(
      'select email, account_id from family_adults where family_id = $1 and email = $2',
      [f.familyId, f.parent.email.toLowerCase()],
    );
    expect(adults.rows).toEqual([{ email: f.parent.email.toLowerCase(), account_id: null }]);
    expect((await invoicesOf(t, bayeux, f.familyId)).map((i) => i.id)).toEqual(invoicesBefore.map((i) => i.id));

    const mails = await db().query<{ to_address: string; text_body: string }>(
      `select to_address, text_body from mail_outbox where to_address = $1 and template = 'notification'`,
      [f.other.email],
    );
    expect(mails.rows).toHaveLength(1);
    expect(mails.rows[0]!.text_body).toContain(`a clôturé son compte de l'Espace Famille`);
    const audit = await db().query(`select 1 from audit_log where action = 'account.close' and target_id = $1`, [f.parent.id]);
    expect(audit.rowCount).toBe(1);
    // The other adult's account is untouched.
    expect(await accountExists(f.other.id)).toBe(true);
  });
});
