import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listMonthInvoices } from '../../../src/repositories/billing-invoices.repository.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import {
  createAdult,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createReservation,
  createSubmission,
  payInvoice,
  setPayer,
  useUpRateLimit,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { pdfUnicodeText } from '../../helpers/pdf.js';
import { binary, bookedFamily, enrol, invoiceMonth, invoicesOf, regieWithActivity, signedIn } from './parent-billing.js';

/** "Édition de documents" (issue 14): the attestation fiscale, the attestation of payment, and the public check of their codes. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-12-02T09:00:00Z');
});

const EDITIONS = '/bayeux/mon-espace/edition-de-documents';

/**
 * A Bayeux family invoiced for November 2026: childcare (garde) for Emma (born 2021: under 6
 * on 1 January 2026) present on the 2nd, absent without justification on the 3rd, and for
 * Léo (born 2018) present on the 5th; Emma's meal on the 2nd. The childcare invoice is paid
 * on 10 December 2026, the meals' on 5 January 2027. Then it is 15 January 2027.
 */
async function paidFamily(name: string) {
  const garde = await regieWithActivity(t, 'bayeux', { name: 'Accueil du soir', category: 'garde' });
  const repas = await regieWithActivity(t, 'bayeux', { name: 'Restauration scolaire', category: 'repas' });
  const family = await bookedFamily(t, 'bayeux', garde.activityId, { name, present: ['2026-11-02'], absent: ['2026-11-03'] });
  const leo = await createChild(t.db.pool, 'bayeux', family.familyId, { firstNames: 'Léo', lastName: name, birthDate: '2018-05-01' });
  await enrol(t, 'bayeux', garde.activityId, leo, { present: ['2026-11-05'] });
  await enrol(t, 'bayeux', repas.activityId, family.childId, { present: ['2026-11-02'] });
  await invoiceMonth(t, garde.townId, garde.regieId);
  await invoiceMonth(t, repas.townId, repas.regieId);
  const all = await invoicesOf(t, garde.townId, family.familyId);
  const gardeInvoice = all.find((i) => i.regieId === garde.regieId)!;
  const repasInvoice = all.find((i) => i.regieId === repas.regieId)!;
  await payInvoice(t.db.pool, 'bayeux', gardeInvoice.id, new Date('2026-12-10T10:00:00Z'));
  await payInvoice(t.db.pool, 'bayeux', repasInvoice.id, new Date('2027-01-05T10:00:00Z'));
  t.clock.set('2027-01-15T10:00:00Z');
  return { ...family, gardeInvoice, repasInvoice, townId: garde.townId };
}

async function download(agent: ReturnType<TestApp['agent']>, action: string, fields: Record<string, string>) {
  const token = await csrfToken(agent, EDITIONS);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: token, ...fields })
    .buffer(true)
    .parse(binary);
}

/** The verification URL printed in a PDF, made relative to the app. */
function verificationPath(text: string): string {
  const url = /http:\/\/portail\.test(\/bayeux\/verifier-un-document\/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec(text);
  if (!url) throw new Error(`no verification URL in:\n${text}`);
  return url[1]!;
}

describe('the attestation fiscale', () => {
  it('counts the childcare paid in the year for the children under 6 on 1 January, without meals, penalties or next year’s payments', async () => {
    const f = await paidFamily('LAMBERT');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const editions = page(await agent.get(EDITIONS));
    expect(editions.heading()).toBe('Édition de documents');
    expect(editions.attrs('#annee option', 'value')).toEqual(['2026', '2025', '2024', '2023', '2022', '2021']);

    const res = await download(agent, `${EDITIONS}/attestation-fiscale`, { annee: '2026' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain('attestation-fiscale-2026.pdf');
    const text = pdfUnicodeText(res.body as Buffer);
    expect(text).toContain('Attestation fiscale 2026');
    expect(text).toContain('Emma LAMBERT');
    expect(text).toContain('01/03/2021');
    // Emma's present day (3,80 €) only: her unjustified absence, Léo (6 in 2024) and the meal paid in 2027 are left out.
    expect(text).not.toContain('Léo LAMBERT');
    expect(text.match(/3,80\u00a0€/g)).toHaveLength(2); // Emma's line and the total
    expect(text).toContain('toutes prestations confondues : 11,40\u00a0€');
    expect(text).not.toContain('\u0000');

    // The printed URL confirms it, with the amounts and dates only.
    const verified = await t.agent().get(verificationPath(text));
    expect(verified.status).toBe(200);
    const p = page(verified);
    expect(p.heading()).toBe('Document authentique');
    expect(p.dd('Document')).toBe('Attestation fiscale – frais de garde des enfants de moins de 6 ans');
    expect(p.dd('Année')).toBe('2026');
    expect(p.dd('Délivré le')).toBe('vendredi 15 janvier 2027');
    expect(p.dd('Frais de garde payés, total')).toBe('3,80\u00a0€');
    expect(p.text()).not.toContain('LAMBERT');
    expect(p.text()).not.toContain('Emma');
  });

  it('offers only past years: the current year or anything else is refused in French', async () => {
    const f = await paidFamily('MERCIER');
    const agent = await signedIn(t, 'bayeux', f.parent);
    for (const annee of ['2027', 'deux mille', '']) {
      const res = await download(agent, `${EDITIONS}/attestation-fiscale`, { annee });
      expect(res.status).toBe(400);
      const p = page((res.body as Buffer).toString('utf8'));
      expect(p.errorSummary()).toEqual([{ field: 'annee', message: 'Choisissez une année passée dans la liste' }]);
    }
  });

  it('counts for a separated parent invoiced on their own only their invoices', async () => {
    const db = t.db.pool;
    const { activityId, regieId, townId } = await regieWithActivity(t, 'bayeux', { name: 'Accueil du matin', category: 'garde' });
    const family = await createFamily(db, 'bayeux', { name: 'DURAND' });
    const payer = await createAdult(db, 'bayeux', family.id, { firstNames: 'Claire', lastName: 'Durand' });
    await setPayer(db, 'bayeux', family.id, { payerAdultId: payer, splitInvoicing: true });
    const mother = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Claire', lastName: 'Durand' });
    const father = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Paul', lastName: 'Durand', civility: 'M' });
    const childId = await createChild(db, 'bayeux', family.id, { lastName: 'Durand', birthDate: '2022-02-02' });
    const enrolmentId = await createEnrolment(db, 'bayeux', { activityId, childId });
    await createQuotient(db, 'bayeux', { familyId: family.id, qf: 1200 });
    for (const [account, days] of [
      [mother, ['2026-11-02']],
      [father, ['2026-11-05', '2026-11-06']],
    ] as const) {
      const submissionId = await createSubmission(db, 'bayeux', { familyId: family.id, accountId: account.id, activityId });
      for (const day of days)
        await createReservation(db, 'bayeux', { activityId, enrolmentId, childId, day, status: 'booked', submissionId });
    }
    await invoiceMonth(t, townId, regieId);
    for (const i of await listMonthInvoices(db, townId, regieId, '2026-11-01'))
      await payInvoice(db, 'bayeux', i.id, new Date('2026-12-10T10:00:00Z'));
    t.clock.set('2027-01-15T10:00:00Z');

    const mine = await download(await signedIn(t, 'bayeux', father), `${EDITIONS}/attestation-fiscale`, { annee: '2026' });
    const text = pdfUnicodeText(mine.body as Buffer);
    expect(text).toContain('M. Paul DURAND');
    expect(text).toContain('7,60\u00a0€');
    expect(text).not.toContain('3,80\u00a0€');
  });
});

describe('the attestation of payment', () => {
  it('lists the invoices paid in the period, and its code shows the same dates and amounts', async () => {
    const f = await paidFamily('BERTIN');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const res = await download(agent, `${EDITIONS}/attestation-de-paiement`, { du: '01/12/2026', au: '15/01/2027' });
    expect(res.status).toBe(200);
    const text = pdfUnicodeText(res.body as Buffer);
    // A line wrapped by the PDF ends with its space.
    expect(text.replace(/ \n/g, ' ')).toContain('Attestation de paiement du 01/12/2026 au 15/01/2027');
    expect(text).toContain(f.gardeInvoice.number);
    expect(text).toContain(f.repasInvoice.number);
    expect(text).toContain('15,20\u00a0€');
    const p = page(await t.agent().get(verificationPath(text)));
    expect(p.dd('Document')).toBe('Attestation de paiement');
    expect(p.dd('Période')).toBe('Du mardi 1er décembre 2026 au vendredi 15 janvier 2027');
    expect(p.dd('Total payé')).toBe('15,20\u00a0€');
    expect(p.texts('main li')).toEqual(['10/12/2026 : 11,40\u00a0€', '05/01/2027 : 3,80\u00a0€']);
  });

  it('refuses, in French and keeping what was typed, a missing, unreal or reversed period or one ending after today', async () => {
    const f = await paidFamily('CARON');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const cases: [Record<string, string>, { field: string; message: string }[]][] = [
      [
        { du: '', au: '' },
        [
          { field: 'du', message: 'Indiquez la date de début' },
          { field: 'au', message: 'Indiquez la date de fin' },
        ],
      ],
      [{ du: '31/02/2026', au: '01/03/2026' }, [{ field: 'du', message: 'La date de début doit être une date réelle, comme 21/11/2026' }]],
      [
        { du: '01/12/2026', au: '30/11/2026' },
        [{ field: 'au', message: 'La date de fin doit être la même que la date de début ou après' }],
      ],
      [{ du: '01/12/2026', au: '16/01/2027' }, [{ field: 'au', message: 'La date de fin ne peut pas être après aujourd’hui' }]],
    ];
    for (const [fields, errors] of cases) {
      const res = await download(agent, `${EDITIONS}/attestation-de-paiement`, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      const p = page((res.body as Buffer).toString('utf8'));
      expect(p.errorSummary()).toEqual(errors);
      expect(p.fieldValue('du')).toBe(fields.du);
      expect(p.fieldValue('au')).toBe(fields.au);
    }
  });

  it('refuses both forms without the CSRF token, and is a 404 to an account without a family or a visitor', async () => {
    const f = await paidFamily('DUBOIS');
    const agent = await signedIn(t, 'bayeux', f.parent);
    expect((await agent.post(`${EDITIONS}/attestation-fiscale`).type('form').send({ annee: '2026' })).status).toBe(403);
    expect((await agent.post(`${EDITIONS}/attestation-de-paiement`).type('form').send({ du: '01/12/2026', au: '31/12/2026' })).status).toBe(
      403,
    );
    const alone = await createParent(t.db.pool, 'bayeux', { validationStatus: 'awaiting_services', validatedAt: null });
    const aloneAgent = await signedIn(t, 'bayeux', alone);
    expect(page(await aloneAgent.get(EDITIONS)).text()).toContain('dès que votre espace sera rattaché au dossier de votre famille');
    expect((await download(aloneAgent, `${EDITIONS}/attestation-fiscale`, { annee: '2026' })).status).toBe(404);
    const visitor = t.agent();
    const token = await csrfToken(visitor, '/bayeux/');
    expect(
      (await visitor.post(`${EDITIONS}/attestation-de-paiement`).type('form').send({ _csrf: token, du: '01/12/2026', au: '31/12/2026' }))
        .status,
    ).toBe(404);
    // Signed in at Bayeux, nothing opens at Villennes.
    const villennes = await agent
      .post('/villennes/mon-espace/edition-de-documents/attestation-fiscale')
      .type('form')
      .send({
        _csrf: await csrfToken(agent, EDITIONS),
        annee: '2026',
      });
    expect(villennes.status).toBe(404);
    const { rows } = await t.db.pool.query(`select 1 from document_verifications where family_id = $1`, [f.familyId]);
    expect(rows).toHaveLength(0);
  });

  it('limits the documents one account produces in an hour (429), recording nothing more', async () => {
    const f = await paidFamily('FOURNIER');
    const agent = await signedIn(t, 'bayeux', f.parent);
    await useUpRateLimit(t.db.pool, `documents:${f.parent.id}`, 30, t.clock.now());
    const res = await download(agent, `${EDITIONS}/attestation-fiscale`, { annee: '2026' });
    expect(res.status).toBe(429);
    const { rows } = await t.db.pool.query(`select 1 from document_verifications where family_id = $1`, [f.familyId]);
    expect(rows).toHaveLength(0);
  });
});

describe('Vérifier un document', () => {
  it('reads the code however it is typed, says in French what is wrong, and is a 404 for an unknown code or another town’s', async () => {
    const f = await paidFamily('ETIENNE');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const path = verificationPath(
      pdfUnicodeText((await download(agent, `${EDITIONS}/attestation-fiscale`, { annee: '2026' })).body as Buffer),
    );
    const code = path.split('/').pop()!;
    const visitor = t.agent();
    const form = await visitor.get('/bayeux/verifier-un-document');
    expect(page(form).heading()).toBe('Vérifier un document');
    const typed = await visitor.get(`/bayeux/verifier-un-document?code=${encodeURIComponent(` ${code.replace(/-/g, '').toLowerCase()} `)}`);
    expect(typed.status).toBe(303);
    expect(typed.headers.location).toBe(path);
    const wrong = await visitor.get('/bayeux/verifier-un-document?code=ABC');
    expect(wrong.status).toBe(400);
    expect(page(wrong).errorSummary()).toEqual([
      { field: 'code', message: 'Le code de vérification a 12 caractères, comme 7KQ2-M9XA-3DPF' },
    ]);
    expect(page(wrong).fieldValue('code')).toBe('ABC');
    const empty = await visitor.get('/bayeux/verifier-un-document?code=');
    expect(page(empty).errorSummary()).toEqual([{ field: 'code', message: 'Saisissez le code de vérification imprimé sur le document' }]);

    const unknown = await visitor.get('/bayeux/verifier-un-document/0000-0000-0000');
    expect(unknown.status).toBe(404);
    expect(page(unknown).heading()).toBe('Document introuvable');
    // The code looked up is shown, so whoever typed it can compare it with the printed one.
    expect(page(unknown).text('.lead')).toBe('Aucun document de Ville de Bayeux et Bayeux Intercom ne correspond au code 0000-0000-0000.');
    const elsewhere = await visitor.get(path.replace('/bayeux/', '/villennes/'));
    expect(elsewhere.status).toBe(404);
    expect(page(elsewhere).heading()).toBe('Document introuvable');
  });

  it('limits the look-ups of one address (429)', async () => {
    const visitor = t.agent();
    for (let i = 0; i < 20; i += 1) expect((await visitor.get('/bayeux/verifier-un-document/0000-0000-0000')).status).toBe(404);
    const limited = await visitor.get('/bayeux/verifier-un-document/0000-0000-0000');
    expect(limited.status).toBe(429);
    // The form sends a well-formed code on to its page, which refuses it.
    const viaForm = await visitor.get('/bayeux/verifier-un-document?code=0000-0000-0000');
    expect(viaForm.status).toBe(303);
    expect((await visitor.get(viaForm.headers.location!)).status).toBe(429);
    // A code the form itself turns down counts too, and is refused.
    expect((await visitor.get('/bayeux/verifier-un-document?code=ABC')).status).toBe(429);
  });

  it('counts a check made through the form once: 20 are answered, the 21st is refused', async () => {
    const visitor = t.agent();
    for (let i = 0; i < 20; i += 1) {
      const typed = await visitor.get('/bayeux/verifier-un-document?code=0000-0000-0000');
      expect(typed.status).toBe(303);
      expect((await visitor.get(typed.headers.location!)).status).toBe(404);
    }
    const typed = await visitor.get('/bayeux/verifier-un-document?code=0000-0000-0000');
    expect((await visitor.get(typed.headers.location!)).status).toBe(429);
  });
});
