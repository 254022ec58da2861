import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findInvoice } from '../../../src/repositories/billing-invoices.repository.js';
import { settlePayment } from '../../../src/repositories/payments.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page } from '../../helpers/html.js';
import { bookedFamily, enrol, invoiceMonth, invoicesOf, regieWithActivity } from '../billing/parent-billing.js';
import { invoicedFamilies, makePayment, NOVEMBER, OCTOBER, signedInAgent } from './helpers.js';

/**
 * "Enregistrer un paiement au guichet" (/agents/facturation/paiements/guichet): the valid
 * path for cash and cheque, each invalid input (French message, typed values kept, 400,
 * nothing written), the CSRF refusal, an invoice paid meanwhile (409, nothing written), the
 * audit row; and the admins' choice of what the counter accepts.
 */

let t: TestApp;
const NOW = '2026-12-02T09:00:00Z';
const db = () => t.db.pool;

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(() => t.clock.set(NOW));

const counterUrl = (familyId: string) => `/tarnos/agents/facturation/paiements/guichet?famille=${familyId}`;

/** Everything a counter payment writes, for "nothing was written". */
async function written(familyId: string) {
  const { rows } = await db().query<{ payments: number; audits: number; events: number; paid: number }>(
    `select (select count(*)::int from payments where family_id = $1) as payments,
            (select count(*)::int from audit_log where action = 'payment.counter' and details->>'familyId' = $1::text) as audits,
            (select count(*)::int from payment_events e join payments p on p.id = e.payment_id where p.family_id = $1) as events,
            (select count(*)::int from invoices where family_id = $1 and status = 'paid') as paid`,
    [familyId],
  );
  return rows[0]!;
}

async function form(http: supertest.Agent, familyId: string) {
  const res = await http.get(counterUrl(familyId));
  expect(res.status).toBe(200);
  return page(res);
}

describe('a payment at the counter', () => {
  it('records cash for two invoices: both paid, the payment in the day’s list, its audit row and its trail', async () => {
    // October (2 days: 7,60 €) and November (4 days: 15,20 €).
    const { townId, families } = await invoicedFamilies(t, 'tarnos', ['HENRI'], { days: [...OCTOBER, ...NOVEMBER] });
    const { familyId, invoices } = families[0]!;
    const http = await signedInAgent(t, 'tarnos');
    const p = await form(http, familyId);
    expect(p.heading()).toBe('Enregistrer un paiement au guichet');
    expect(p.label('factures')).toMatch(
      new RegExp(`^${invoices[0]!.number} – octobre 2026 – doit 7,60\u00a0€, échéance le \\d\\d/\\d\\d/2026 – Régie `),
    );
    expect(p.fieldValue('date')).toBe('02/12/2026');
    // The town's default: cash and cheque.
    expect(p.attrs('input[name="moyen"]', 'value')).toEqual(['cash', 'cheque']);

    const res = await http
      .post('/tarnos/agents/facturation/paiements/guichet')
      .type('form')
      .send(
        `_csrf=${p.csrf()}&famille=${familyId}&factures=${invoices[0]!.id}&factures=${invoices[1]!.id}&moyen=cash&montant=22,80&date=02/12/2026&note=`,
      );
    expect(res.status).toBe(303);
    const paymentUrl = res.headers.location as string;
    expect(paymentUrl).toMatch(/^\/tarnos\/agents\/facturation\/paiements\/[0-9a-f-]{36}$/);
    const shown = page(await http.get(paymentUrl));
    expect(shown.text('[role="status"]')).toBe(
      `Le paiement de 22,80\u00a0€ est enregistré : factures ${invoices[0]!.number}, ${invoices[1]!.number} payées.`,
    );
    expect(shown.dd('Moyen de paiement')).toBe('Espèces');
    expect(shown.dd('Payé')).toBe('le 02/12/2026 à 10:00');
    expect(shown.rows('table:has(#events-caption)').map((r) => r.cells.slice(0, 2))).toEqual([['Agent', 'Pris en compte']]);

    for (const i of invoices) expect((await findInvoice(db(), townId, i.id))?.status).toBe('paid');
    expect(await written(familyId)).toEqual({ payments: 1, audits: 1, events: 1, paid: 2 });
    const { rows: audit } = await db().query(
      `select details, actor_label as "actorLabel" from audit_log where action = 'payment.counter' and details->>'familyId' = $1`,
      [familyId],
    );
    expect(audit[0]).toMatchObject({
      details: { method: 'cash', amountCents: 2280, receivedOn: '2026-12-02', invoices: [invoices[0]!.number, invoices[1]!.number] },
    });

    const day = page(await http.get('/tarnos/agents/facturation/paiements?canal=especes'));
    expect(day.rows('table:has(#payments-caption)').map((r) => r.cells.slice(0, 3))).toEqual([
      ['HENRI', 'Guichet – espèces', '22,80\u00a0€'],
    ]);
    // Nothing left to pay.
    expect((await form(http, familyId)).text()).toContain('La famille n’a aucune facture à payer.');
  });

  it('records a cheque received yesterday with its number, on yesterday’s list', async () => {
    const { families } = await invoicedFamilies(t, 'tarnos', ['IMBERT']);
    const { familyId, invoices } = families[0]!;
    // Issued on 2 December; the agent records on the 5th the cheque handed over on the 4th.
    t.clock.set('2026-12-05T09:00:00Z');
    const http = await signedInAgent(t, 'tarnos');
    const p = await form(http, familyId);
    const res = await http.post('/tarnos/agents/facturation/paiements/guichet').type('form').send({
      _csrf: p.csrf(),
      famille: familyId,
      factures: invoices[0]!.id,
      moyen: 'cheque',
      montant: '15.2',
      date: '04/12/2026',
      note: 'Chèque n° 1234567, Banque Populaire',
    });
    expect(res.status).toBe(303);
    const shown = page(await http.get(res.headers.location as string));
    expect(shown.dd('Note')).toBe('Chèque n° 1234567, Banque Populaire');
    expect(shown.dd('Payé')).toBe('le 04/12/2026 à 12:00');
    const yesterday = page(await http.get('/tarnos/agents/facturation/paiements?du=04/12/2026&au=04/12/2026&canal=cheque'));
    expect(yesterday.rows('table:has(#payments-caption)').map((r) => r.cells[0])).toEqual(['IMBERT']);
    expect(await written(familyId)).toEqual({ payments: 1, audits: 1, events: 1, paid: 1 });
  });

  it('refuses each invalid input in French, keeps what was typed and writes nothing', async () => {
    const { families } = await invoicedFamilies(t, 'tarnos', ['JOLY']);
    const { familyId, invoices } = families[0]!;
    const http = await signedInAgent(t, 'tarnos');
    const csrf = (await form(http, familyId)).csrf();
    const valid = {
      _csrf: csrf,
      famille: familyId,
      factures: invoices[0]!.id,
      moyen: 'cash',
      montant: '15,20',
      date: '02/12/2026',
      note: 'Remis par le père',
    };
    const other = (await invoicedFamilies(t, 'tarnos', ['KLEIN'])).families[0]!.invoices[0]!;

    const cases: [Record<string, string>, string, string][] = [
      [{ factures: '' }, 'factures', 'Cochez au moins une facture à régler.'],
      [{ factures: 'pas-un-id' }, 'factures', 'Choisissez les factures dans la liste.'],
      [{ factures: other.id }, 'factures', 'Choisissez les factures dans la liste.'],
      [
        { montant: '10,00' },
        'montant',
        'Le montant reçu (10,00\u00a0€) doit être exactement ce que doivent les factures cochées : 15,20\u00a0€. Un paiement partiel n’est pas enregistré.',
      ],
      [{ montant: 'quinze' }, 'montant', 'Le montant s’écrit en euros, par exemple 42,50.'],
      [{ montant: '' }, 'montant', 'Indiquez le montant reçu, par exemple 42,50.'],
      [{ date: '03/12/2026' }, 'date', 'La date de réception ne peut pas être dans le futur.'],
      [
        { date: '01/12/2025' },
        'date',
        `La date de réception ne peut pas précéder l’émission de la facture ${invoices[0]!.number}, le 02/12/2026.`,
      ],
      [{ date: '31/02/2026' }, 'date', 'Cette date n’existe pas : vérifiez le jour et le mois.'],
      [{ date: 'hier' }, 'date', 'La date s’écrit sous la forme 02/12/2026.'],
      [{ moyen: 'card' }, 'moyen', 'La commune n’accepte pas ce moyen de paiement au guichet : choisissez-en un de la liste.'],
      [{ moyen: 'bitcoin' }, 'moyen', 'Choisissez le moyen de paiement.'],
      [{ note: 'x'.repeat(301) }, 'note', 'La note doit comporter 300 caractères au maximum'],
    ];
    for (const [change, field, message] of cases) {
      const body = { ...valid, ...change };
      const res = await http.post('/tarnos/agents/facturation/paiements/guichet').type('form').send(body);
      expect(res.status, JSON.stringify(change)).toBe(400);
      const p = page(res);
      expect(p.title()).toMatch(/^Erreur : /);
      expect(p.errorSummary(), JSON.stringify(change)).toEqual([{ field, message }]);
      expect(p.fieldError(field)).toBe(message);
      if (field !== 'montant') expect(p.fieldValue('montant')).toBe('15,20');
      if (field !== 'note') expect(p.fieldValue('note')).toBe('Remis par le père');
      if (field !== 'factures') expect(p.checked('factures')).toEqual([invoices[0]!.id]);
    }
    expect(await written(familyId)).toEqual({ payments: 0, audits: 0, events: 0, paid: 0 });
  });

  it('takes a CESU only for childcare invoices, once the town accepts it', async () => {
    const meals = (await invoicedFamilies(t, 'tarnos', ['LEROY'])).families[0]!;
    const care = (await invoicedFamilies(t, 'tarnos', ['MOREL'], { category: 'garde' })).families[0]!;
    const admin = await signedInAgent(t, 'tarnos', 'admin');
    const p = await form(admin, meals.familyId);
    // The CESU's rule is said only once the counter takes CESU.
    expect(p.text('main')).not.toContain('Le CESU ne paie que les factures de garde d’enfants.');
    const saved = await admin
      .post('/tarnos/agents/facturation/paiements/guichet/moyens')
      .type('form')
      .send(`_csrf=${p.csrf()}&famille=${meals.familyId}&moyens=cash&moyens=cheque&moyens=cesu`);
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(counterUrl(meals.familyId));
    const after = page(await admin.get(saved.headers.location as string));
    expect(after.checked('moyens')).toEqual(['cash', 'cheque', 'cesu']);
    expect(after.attrs('input[name="moyen"]', 'value')).toEqual(['cash', 'cheque', 'cesu']);
    expect(after.text('#factures-hint')).toBe('Le CESU ne paie que les factures de garde d’enfants.');

    const refused = await admin.post('/tarnos/agents/facturation/paiements/guichet').type('form').send({
      _csrf: p.csrf(),
      famille: meals.familyId,
      factures: meals.invoices[0]!.id,
      moyen: 'cesu',
      montant: '15,20',
      date: '02/12/2026',
    });
    expect(refused.status).toBe(400);
    expect(page(refused).fieldError('moyen')).toBe(
      `Le CESU ne paie que la garde d’enfants : la facture ${meals.invoices[0]!.number} comporte autre chose (des repas). Choisissez un autre moyen de paiement.`,
    );
    expect(await written(meals.familyId)).toEqual({ payments: 0, audits: 0, events: 0, paid: 0 });

    const accepted = await admin.post('/tarnos/agents/facturation/paiements/guichet').type('form').send({
      _csrf: p.csrf(),
      famille: care.familyId,
      factures: care.invoices[0]!.id,
      moyen: 'cesu',
      montant: '15,20',
      date: '02/12/2026',
      note: 'CESU n° 998877',
    });
    expect(accepted.status).toBe(303);
    expect(await written(care.familyId)).toEqual({ payments: 1, audits: 1, events: 1, paid: 1 });
  });

  it('refuses invoices of two régies in one payment', async () => {
    const meals = await regieWithActivity(t, 'tarnos');
    const care = await regieWithActivity(t, 'tarnos', { category: 'garde' });
    const { familyId, childId } = await bookedFamily(t, 'tarnos', meals.activityId, { name: 'PERRIN', present: NOVEMBER });
    await enrol(t, 'tarnos', care.activityId, childId, { present: NOVEMBER });
    await invoiceMonth(t, meals.townId, meals.regieId);
    await invoiceMonth(t, care.townId, care.regieId);
    const invoices = await invoicesOf(t, meals.townId, familyId);
    expect(invoices.length).toBe(2);
    const http = await signedInAgent(t, 'tarnos');
    const p = await form(http, familyId);
    const res = await http
      .post('/tarnos/agents/facturation/paiements/guichet')
      .type('form')
      .send(
        `_csrf=${p.csrf()}&famille=${familyId}&factures=${invoices[0]!.id}&factures=${invoices[1]!.id}&moyen=cash&montant=30,40&date=02/12/2026`,
      );
    expect(res.status).toBe(400);
    expect(page(res).fieldError('factures')).toBe('Les factures cochées relèvent de plusieurs régies : enregistrez un paiement par régie.');
    expect(await written(familyId)).toEqual({ payments: 0, audits: 0, events: 0, paid: 0 });
  });

  it('refuses an invoice paid meanwhile (409) and writes nothing', async () => {
    const { townId, regieId, families } = await invoicedFamilies(t, 'tarnos', ['NOEL'], { days: [...OCTOBER, ...NOVEMBER] });
    const { familyId, invoices } = families[0]!;
    const http = await signedInAgent(t, 'tarnos');
    const p = await form(http, familyId);
    // The family is paying November online while the agent fills the form: the form warns of it…
    const online = await makePayment(t, {
      townId,
      regieId,
      familyId,
      provider: 'builtin',
      method: 'card',
      invoices: [invoices[1]!],
      status: 'pending',
    });
    expect((await form(http, familyId)).label(`factures-${invoices[1]!.id}`)).toContain(
      'un paiement en ligne ou un prélèvement est en cours pour cette facture : vérifiez-le avant d’encaisser',
    );
    // …and the bank confirms it before the agent records the cheque.
    expect((await settlePayment(db(), townId, online.id, { status: 'paid', at: new Date(NOW) }))?.invoicesPaid).toEqual([invoices[1]!.id]);
    const before = await written(familyId);
    const res = await http
      .post('/tarnos/agents/facturation/paiements/guichet')
      .type('form')
      .send(
        `_csrf=${p.csrf()}&famille=${familyId}&factures=${invoices[0]!.id}&factures=${invoices[1]!.id}&moyen=cheque&montant=22,80&date=02/12/2026`,
      );
    expect(res.status).toBe(409);
    expect(page(res).fieldError('factures')).toBe(
      `La facture ${invoices[1]!.number} vient d’être payée : rien n’a été enregistré. Vérifiez les factures qui restent à payer.`,
    );
    expect(await written(familyId)).toEqual(before);
    expect((await findInvoice(db(), townId, invoices[0]!.id))?.status).toBe('issued');
  });

  it('refuses a post without the CSRF token, writes nothing; another town’s family is the 404', async () => {
    const { families } = await invoicedFamilies(t, 'tarnos', ['OLIVIER']);
    const { familyId, invoices } = families[0]!;
    const http = await signedInAgent(t, 'tarnos');
    await form(http, familyId);
    const body = { famille: familyId, factures: invoices[0]!.id, moyen: 'cash', montant: '15,20', date: '02/12/2026' };
    expect((await http.post('/tarnos/agents/facturation/paiements/guichet').type('form').send(body)).status).toBe(403);
    expect(await written(familyId)).toEqual({ payments: 0, audits: 0, events: 0, paid: 0 });

    const bayeux = (await invoicedFamilies(t, 'bayeux', ['PASCAL'])).families[0]!;
    expect((await http.get(counterUrl(bayeux.familyId))).status).toBe(404);
    const csrf = (await form(http, familyId)).csrf();
    const foreign = { ...body, _csrf: csrf, famille: bayeux.familyId, factures: bayeux.invoices[0]!.id };
    expect((await http.post('/tarnos/agents/facturation/paiements/guichet').type('form').send(foreign)).status).toBe(404);
    expect(await written(bayeux.familyId)).toEqual({ payments: 0, audits: 0, events: 0, paid: 0 });
  });

  it('finds the family by name, and is linked from the invoice and the family’s billing page', async () => {
    const { families } = await invoicedFamilies(t, 'tarnos', ['QUENTIN']);
    const { familyId, invoices } = families[0]!;
    const http = await signedInAgent(t, 'tarnos');
    const search = page(await http.get('/tarnos/agents/facturation/paiements/guichet?q=quentin'));
    expect(search.links('main').find((l) => l.text.startsWith('Famille QUENTIN'))?.href).toBe(counterUrl(familyId));

    const invoice = page(await http.get(`/tarnos/agents/facturation/factures/${invoices[0]!.id}`));
    const link = invoice.links('main').find((l) => l.text === 'Enregistrer un paiement au guichet');
    expect(link?.href).toBe(`${counterUrl(familyId)}&facture=${invoices[0]!.id}`);
    expect(page(await http.get(link!.href)).checked('factures')).toEqual([invoices[0]!.id]);
    const billing = page(await http.get(`/tarnos/agents/familles/${familyId}/facturation`));
    expect(billing.links('main').find((l) => l.text.startsWith('Enregistrer un paiement au guichet'))?.href).toBe(counterUrl(familyId));
  });
});

describe('what the counter accepts (admins)', () => {
  it('is the admins’ choice: at least one method from the list, audited; agents get the 404', async () => {
    const { families } = await invoicedFamilies(t, 'villennes', ['RENARD']);
    const familyId = families[0]!.familyId;
    const agent = await signedInAgent(t, 'villennes');
    const agentPage = page(await agent.get(`/villennes/agents/facturation/paiements/guichet?famille=${familyId}`));
    expect(agentPage.has('input[name="moyens"]')).toBe(false);
    const url = '/villennes/agents/facturation/paiements/guichet/moyens';
    expect((await agent.post(url).type('form').send({ _csrf: agentPage.csrf(), moyens: 'card' })).status).toBe(404);

    const admin = await signedInAgent(t, 'villennes', 'admin');
    const settings = page(await admin.get('/villennes/agents/facturation/parametres'));
    expect(settings.links('main').find((l) => l.text === 'Moyens de paiement acceptés au guichet')?.href).toBe(
      '/villennes/agents/facturation/paiements/guichet#methods-heading',
    );
    const csrf = page(await admin.get('/villennes/agents/facturation/paiements/guichet')).csrf();
    const none = await admin.post(url).type('form').send({ _csrf: csrf });
    expect(none.status).toBe(400);
    expect(page(none).errorSummary()).toEqual([{ field: 'moyens', message: 'Cochez au moins un moyen de paiement accepté au guichet.' }]);
    const forged = await admin.post(url).type('form').send(`_csrf=${csrf}&moyens=cash&moyens=bitcoin`);
    expect(forged.status).toBe(400);
    expect(page(forged).fieldError('moyens')).toBe('Choisissez les moyens de paiement dans la liste.');
    expect(page(forged).checked('moyens')).toEqual(['cash']);
    expect((await admin.post(url).type('form').send({ moyens: 'card' })).status).toBe(403);

    const saved = await admin.post(url).type('form').send(`_csrf=${csrf}&moyens=card&moyens=cash`);
    expect(saved.status).toBe(303);
    expect(page(await admin.get(saved.headers.location as string)).checked('moyens')).toEqual(['cash', 'card']);
    const { rows } = await db().query(
      `select a.details from audit_log a join towns t on t.id = a.town_id where t.slug = 'villennes' and a.action = 'billing_settings.counter_methods'`,
    );
    expect(rows).toEqual([{ details: { methods: ['cash', 'card'] } }]);
  });
});
