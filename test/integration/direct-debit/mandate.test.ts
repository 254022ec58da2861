import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/repositories/documents.repository.js';
import { findActiveMandate, saveSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { createFamily, createParent, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { pdfUnicodeText } from '../../helpers/pdf.js';
import { binary, bookedFamily, invoiceMonth, invoicesOf, regieWithActivity, signedIn } from '../billing/parent-billing.js';

/**
 * "Prélèvement automatique" in Mon compte (issue 15): a parent signs a SEPA mandate online
 * (every kind of bad input refused in French), gets its PDF in the storage and at
 * mandat.pdf, revokes it; the family's unpaid invoices then say when they are debited.
 */

let t: TestApp;
let bayeux: string;
const db = () => t.db.pool;
const PAGE = '/bayeux/mon-espace/compte/prelevement';
const GOOD = {
  titulaire: 'Claire Martin',
  iban: 'fr76 3000 6000 0112 3456 7890 189',
  bic: '',
  adresse: '3 rue des Lilas, 14400 Bayeux',
  lieu: 'Bayeux',
  consentement: 'oui',
};

beforeAll(async () => {
  // November 2026 is invoiced on 2 December 2026, due on the 15th.
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
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

async function parentOfFamily(name: string) {
  const family = await createFamily(db(), 'bayeux', { name });
  const parent = await createParent(db(), 'bayeux', { familyId: family.id, lastName: name });
  return { familyId: family.id, parent, agent: await signedIn(t, 'bayeux', parent) };
}

async function sign(agent: Awaited<ReturnType<typeof signedIn>>, fields: Record<string, string>) {
  const token = await csrfToken(agent, PAGE);
  return agent
    .post(PAGE)
    .type('form')
    .send({ _csrf: token, ...fields });
}

describe('signing a mandate', () => {
  it('is offered in Mon compte only where the town debits', async () => {
    const f = await parentOfFamily('OFFRE');
    const links = async () =>
      page(await f.agent.get('/bayeux/mon-espace/compte'))
        .links('main')
        .map((l) => l.text);
    expect(await links()).toContain('Prélèvement automatique');
    await db().query('update billing_settings set sepa_enabled = false where town_id = $1', [bayeux]);
    try {
      expect(await links()).not.toContain('Prélèvement automatique');
    } finally {
      await db().query('update billing_settings set sepa_enabled = true where town_id = $1', [bayeux]);
    }
  });

  it('signs with a valid IBAN: the RUM and the masked account shown, the PDF in the storage and at mandat.pdf', async () => {
    const f = await parentOfFamily('MARTIN');
    const form = page(await f.agent.get(PAGE));
    expect(form.heading()).toBe('Prélèvement automatique');
    expect(form.fieldValue('adresse')).toBe('');
    expect(form.label('consentement')).toBe(
      'J’autorise Régie de Bayeux à envoyer des instructions à ma banque pour débiter mon compte, et ma banque à débiter mon compte conformément aux instructions de Régie de Bayeux.',
    );

    const res = await sign(f.agent, GOOD);
    expect([res.status, res.headers.location]).toEqual([303, PAGE]);
    const mandate = await findActiveMandate(db(), bayeux, f.familyId);
    expect(mandate).toMatchObject({ debtorName: 'Claire Martin', debtorIban: 'FR7630006000011234567890189', creditorId: 'FR72ZZZ123456' });
    expect(mandate!.rum).toMatch(/^ENF-BAYEUX-[A-Z0-9]{10}$/);

    const shown = page(await f.agent.get(PAGE));
    expect(shown.text('.notice--success')).toContain(`sous la référence ${mandate!.rum}`);
    expect(shown.dd('Référence unique du mandat (RUM)')).toBe(mandate!.rum);
    expect(shown.dd('Identifiant créancier SEPA (ICS)')).toBe('FR72ZZZ123456');
    expect(shown.dd('Compte débité')).toBe('FR76 **** … 0189');

    const docs = await listDocuments(db(), { townId: bayeux, accountId: f.parent.id });
    expect(docs.map((d) => [d.title, d.number, d.files[0]!.contentType])).toEqual([
      ['Mandat de prélèvement SEPA (Régie de Bayeux)', mandate!.rum, 'application/pdf'],
    ]);
    expect(mandate!.documentId).toBe(docs[0]!.id);

    const pdf = await f.agent.get(`${PAGE}/mandat.pdf`).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfUnicodeText(pdf.body as Buffer);
    expect(text).toContain(mandate!.rum);
    expect(text).toContain('FR72ZZZ123456');
    expect(text).toContain('Claire Martin');
  });

  it('refuses a bad IBAN (check digits, country outside SEPA, too short) and a missing consent, keeping what was typed', async () => {
    const f = await parentOfFamily('REFUS');
    const cases: [Record<string, string>, string, string][] = [
      [
        { iban: 'FR76 3000 6000 0112 3456 7890 188' },
        'iban',
        'L’IBAN n’est pas valide : sa clé de contrôle ne correspond pas. Recopiez-le depuis votre relevé d’identité bancaire (RIB)',
      ],
      [
        { iban: 'BR1800360305000010009795493C1' },
        'iban',
        'Ce compte est tenu dans un pays hors de la zone SEPA : le prélèvement n’est possible que sur un compte de la zone SEPA',
      ],
      [
        { iban: 'FR76 3000 6000 01' },
        'iban',
        'L’IBAN n’a pas le bon nombre de caractères pour son pays : il en manque ou il y en a en trop (un IBAN français en compte 27)',
      ],
      [{ consentement: '' }, 'consentement', 'Cochez la case pour autoriser le prélèvement : sans votre accord, le mandat n’est pas signé'],
      [{ bic: 'DEUTDEFF' }, 'bic', 'Ce BIC n’est pas celui d’une banque du pays de l’IBAN : vérifiez-le, ou laissez-le vide'],
      [{ titulaire: '' }, 'titulaire', 'Saisissez le nom du titulaire du compte'],
    ];
    for (const [change, field, message] of cases) {
      const res = await sign(f.agent, { ...GOOD, ...change });
      expect(res.status, field).toBe(400);
      const p = page(res);
      expect(p.title()).toMatch(/^Erreur : /);
      expect(p.errorSummary()).toEqual([{ field, message }]);
      expect(p.fieldError(field)).toBe(message);
      if (field !== 'titulaire') expect(p.fieldValue('titulaire')).toBe('Claire Martin');
      if (field !== 'iban') expect(p.fieldValue('iban')).toBe(GOOD.iban);
    }
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeUndefined();
  });

  it('refuses a form without its CSRF token, signing nothing', async () => {
    const f = await parentOfFamily('CSRF');
    const res = await f.agent.post(PAGE).type('form').send(GOOD);
    expect(res.status).toBe(403);
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeUndefined();
  });

  it('a new mandate revokes the active one; revoking asks for a confirmation', async () => {
    const f = await parentOfFamily('DEUX');
    expect((await sign(f.agent, GOOD)).status).toBe(303);
    const first = await findActiveMandate(db(), bayeux, f.familyId);
    expect((await sign(f.agent, { ...GOOD, iban: 'DE89 3704 0044 0532 0130 00' })).status).toBe(303);
    const second = await findActiveMandate(db(), bayeux, f.familyId);
    expect(second!.rum).not.toBe(first!.rum);
    expect(second!.debtorIban).toBe('DE89370400440532013000');
    const { rows } = await db().query(`select revoked_at from sepa_mandates where family_id = $1 and id = $2`, [f.familyId, first!.id]);
    expect(rows[0].revoked_at).not.toBeNull();

    const token = await csrfToken(f.agent, PAGE);
    const unconfirmed = await f.agent.post(`${PAGE}/revoquer`).type('form').send({ _csrf: token });
    expect(unconfirmed.status).toBe(400);
    expect(page(unconfirmed).fieldError('confirmation')).toBe('Cochez la case pour confirmer la révocation du mandat');
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeDefined();

    const csrfless = await f.agent.post(`${PAGE}/revoquer`).type('form').send({ confirmation: 'oui' });
    expect(csrfless.status).toBe(403);

    const done = await f.agent.post(`${PAGE}/revoquer`).type('form').send({ _csrf: token, confirmation: 'oui' });
    expect([done.status, done.headers.location]).toEqual([303, PAGE]);
    expect(await findActiveMandate(db(), bayeux, f.familyId)).toBeUndefined();
    expect((await f.agent.get(`${PAGE}/mandat.pdf`)).status).toBe(404);
  });

  it('refuses a sixth signature in a day (429), keeping the fifth mandate', async () => {
    const f = await parentOfFamily('LIMITE');
    for (let i = 0; i < 5; i += 1) expect((await sign(f.agent, GOOD)).status).toBe(303);
    const fifth = await findActiveMandate(db(), bayeux, f.familyId);
    expect((await sign(f.agent, GOOD)).status).toBe(429);
    expect((await findActiveMandate(db(), bayeux, f.familyId))!.rum).toBe(fifth!.rum);
  });

  it('another family and another town get a 404 on the PDF and the revocation', async () => {
    const owner = await parentOfFamily('PROPRIO');
    expect((await sign(owner.agent, GOOD)).status).toBe(303);
    const other = await parentOfFamily('AUTRE');
    expect((await other.agent.get(`${PAGE}/mandat.pdf`)).status).toBe(404);
    const token = await csrfToken(other.agent, PAGE);
    expect((await other.agent.post(`${PAGE}/revoquer`).type('form').send({ _csrf: token, confirmation: 'oui' })).status).toBe(404);
    // The owner, in another town's URLs: not signed in there.
    expect((await owner.agent.get('/villennes/mon-espace/compte/prelevement/mandat.pdf')).status).toBe(404);
    const villennes = await owner.agent
      .post('/villennes/mon-espace/compte/prelevement/revoquer')
      .type('form')
      .send({ _csrf: token, confirmation: 'oui' });
    expect(villennes.status).not.toBe(303);
    expect(await findActiveMandate(db(), bayeux, owner.familyId)).toBeDefined();
  });

  it('says when the town does not offer direct debit, with no form', async () => {
    const family = await createFamily(db(), 'villennes', { name: 'SANS' });
    const parent = await createParent(db(), 'villennes', { familyId: family.id, lastName: 'SANS' });
    const agent = await signedIn(t, 'villennes', parent);
    const p = page(await agent.get('/villennes/mon-espace/compte/prelevement'));
    expect(p.text('main .lead')).toBe('Villennes-sur-Seine ne propose pas le prélèvement automatique de ses factures.');
    expect(p.has('#iban')).toBe(false);
  });
});

describe('invoices of a mandated family', () => {
  it('say when they will be debited and from which account, with the pre-notification date', async () => {
    const { activityId, regieId, townId } = await regieWithActivity(t, 'bayeux');
    const f = await bookedFamily(t, 'bayeux', activityId, { name: 'PRELEVE', present: ['2026-11-02', '2026-11-03'] });
    await invoiceMonth(t, townId, regieId, '2026-11');
    const [invoice] = await invoicesOf(t, townId, f.familyId);
    const agent = await signedIn(t, 'bayeux', f.parent);
    expect(page(await agent.get('/bayeux/mon-espace/factures')).text('main .debit-notice')).toBe('');
    expect((await sign(agent, GOOD)).status).toBe(303);

    // Issued on 2 December, due on the 15th: 14 days of notice put the debit on the 16th.
    const expected = 'Sera prélevée le mercredi 16 décembre 2026 sur le compte FR76 **** … 0189 (avis de prélèvement du 02/12/2026).';
    expect(page(await agent.get('/bayeux/mon-espace/factures')).text('main .debit-notice')).toBe(expected);
    expect(page(await agent.get(`/bayeux/mon-espace/factures/${invoice!.id}`)).text('main .debit-notice')).toBe(expected);
  });
});
