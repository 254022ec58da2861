import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import {
  createActivity,
  createAgentFixture,
  createChild,
  createEnrolment,
  createFamily,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import type { ServiceContext } from '../../../src/deps.js';

/**
 * The régie's pages (/agents/facturation/…): starting a run and following it, the invoices
 * with their filters, an invoice with its credit notes and the family's balance, the CSV.
 * Every form: the valid path, each invalid input (French message, typed values kept, 400),
 * the CSRF refusal; another town's objects: 404 for every verb.
 */

const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };
// 4 November 2026 is a Wednesday: Mon 2, Tue 3, Thu 5, Fri 6 are days of the default activity.
const NOVEMBER = ['2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06'];

let t: TestApp;
let ctx: ServiceContext;

beforeAll(async () => {
  // Invoices of November 2026 are issued on 2 December 2026, due on the 15th.
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set('2026-12-02T09:00:00Z');
});

const db = () => t.db.pool;

async function signedIn(slug: string): Promise<supertest.Agent> {
  const a = await createAgentFixture(db(), slug);
  const http = t.agent();
  expect((await signInAgent(http, slug, a.username, a.password)).status).toBe(303);
  return http;
}

/** A régie with one meals activity at Talloires' brackets (QF 1200 → 3,80 € a day). */
async function regieWithActivity(slug: string, code?: string) {
  const activityId = await createActivity(db(), slug);
  const regieId = await createRegie(db(), slug, { activityIds: [activityId], ...(code ? { code, name: `Régie ${code}` } : {}) });
  await createTariff(db(), slug, activityId);
  return { activityId, regieId, townId: (await town(db(), slug)).id };
}

/** A family with one child booked on `days` of November (3,80 € a day). */
async function familyBooking(slug: string, activityId: string, name: string, days = NOVEMBER) {
  const family = await createFamily(db(), slug, { name });
  const childId = await createChild(db(), slug, family.id, { firstNames: 'Léa', lastName: name });
  const enrolmentId = await createEnrolment(db(), slug, { activityId, childId });
  await createQuotient(db(), slug, { familyId: family.id, qf: 1200 });
  for (const day of days) await createReservation(db(), slug, { activityId, enrolmentId, childId, day, status: 'booked' });
  return family.id;
}

/** November invoiced through the service and its job, as the hub's form does. */
async function invoiceNovember(townId: string, regieId: string) {
  const started = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
  if (!started.ok) throw new Error(started.message);
  await t.jobs.runDue('invoicing');
  return started.runId;
}

async function runCount(regieId: string): Promise<number> {
  const { rows } = await db().query<{ n: number }>(`select count(*)::int as n from invoicing_runs where regie_id = $1`, [regieId]);
  return rows[0]!.n;
}

describe('the Facturation hub and a run', () => {
  it('starts the invoicing of last month, shows its progress, then its result and the link to its invoices', async () => {
    const { activityId, regieId } = await regieWithActivity('tarnos', 'CANT');
    await familyBooking('tarnos', activityId, 'MARTIN');
    await familyBooking('tarnos', activityId, 'DURAND', NOVEMBER.slice(0, 2));
    const http = await signedIn('tarnos');

    const hub = await http.get('/tarnos/agents/facturation');
    expect(hub.status).toBe(200);
    const hubPage = page(hub);
    expect(hubPage.heading()).toBe('Facturation');
    expect(hubPage.links('main').map((l) => l.text)).toEqual(
      expect.arrayContaining(['Factures et avoirs', 'Export comptable (CSV)', 'Régies', 'Tarifs', 'Paramètres de facturation']),
    );
    expect(hubPage.links('.site-nav').find((l) => l.text === 'Facturation')?.href).toBe('/tarnos/agents/facturation');
    // Last month is proposed.
    expect(hubPage.fieldValue('mois')).toBe('2026-11');

    const started = await http
      .post('/tarnos/agents/facturation')
      .type('form')
      .send({ _csrf: hubPage.csrf(), regie: regieId, mois: '11/2026' });
    expect(started.status).toBe(303);
    const runUrl = started.headers.location as string;
    expect(runUrl).toMatch(/^\/tarnos\/agents\/facturation\/executions\/[0-9a-f-]{36}$/);

    const pending = page(await http.get(runUrl));
    expect(pending.heading()).toBe('Facturation en cours');
    expect(pending.text('[role="status"][aria-live="polite"]')).toBe(
      'La facturation attend son tour : elle commencera dans quelques instants.',
    );
    expect(pending.has('script[src^="/public/js/job-progress."][src$=".js"][defer]')).toBe(true);
    const status = await http.get(`${runUrl}/etat`);
    expect(status.body).toMatchObject({ status: 'pending', finished: false });

    await t.jobs.runDue('invoicing');
    const done = page(await http.get(runUrl));
    expect(done.heading()).toBe('Facturation terminée');
    expect(done.text('[role="status"]')).toBe('La facturation de novembre 2026 est terminée : 2 factures émises, 22,80\u00a0€.');
    expect(done.dd('Familles traitées')).toBe('2 sur 2');
    expect(done.dd('Factures émises')).toBe('2');
    expect(done.dd('Montant facturé')).toBe('22,80\u00a0€');
    expect(done.dd('Familles déjà facturées pour ce mois (ignorées)')).toBe('0');
    expect(done.title()).toMatch(/^Facturation – Régie CANT – novembre 2026 /);
    // Finished: nothing refreshes the page any more.
    expect(done.has('script[src*="job-progress"]')).toBe(false);
    expect(done.has('[aria-live]')).toBe(false);
    const toInvoices = done.links('main').find((l) => l.text === 'Voir les factures de novembre 2026 de cette régie');
    expect(toInvoices?.href).toBe(`/tarnos/agents/facturation/factures?mois=2026-11&regie=${regieId}`);

    const list = page(await http.get(toInvoices!.href));
    expect(list.rows().map((r) => r.header)).toEqual(['CANT-2026-000002', 'CANT-2026-000001']);

    const row = page(await http.get('/tarnos/agents/facturation')).row('novembre 2026');
    expect(row.cells).toEqual(['Régie CANT', 'Terminée', '2 sur 2', '2', '22,80\u00a0€', expect.stringContaining('Agent')]);
  });

  it('says in French what is wrong with the form, keeps what was typed, and starts nothing', async () => {
    const { regieId } = await regieWithActivity('tarnos');
    const other = await regieWithActivity('bayeux');
    const http = await signedIn('tarnos');
    const token = page(await http.get('/tarnos/agents/facturation')).csrf();
    const post = (body: Record<string, string>) =>
      http
        .post('/tarnos/agents/facturation')
        .type('form')
        .send({ _csrf: token, ...body });

    const empty = await post({ regie: '', mois: '' });
    expect(empty.status).toBe(400);
    expect(page(empty).errorSummary()).toEqual([
      { field: 'regie', message: 'Choisissez la régie à facturer.' },
      { field: 'mois', message: 'Indiquez le mois à facturer, par exemple 2026-11.' },
    ]);
    expect(page(empty).title()).toMatch(/^Erreur : Facturation/);

    const badMonth = await post({ regie: regieId, mois: 'novembre' });
    expect(badMonth.status).toBe(400);
    expect(page(badMonth).fieldError('mois')).toBe('Le mois s’écrit sous la forme 2026-11 ou 11/2026.');
    expect(page(badMonth).fieldValue('mois')).toBe('novembre');
    expect(page(badMonth).selected('regie')).toBe(regieId);

    const current = await post({ regie: regieId, mois: '2026-12' });
    expect(current.status).toBe(400);
    expect(page(current).fieldError('mois')).toBe('Ce mois n’est pas terminé : il pourra être facturé à partir du 1er du mois suivant.');
    expect(page(current).fieldValue('mois')).toBe('2026-12');

    for (const regie of [other.regieId, 'pas-une-regie']) {
      const wrong = await post({ regie, mois: '2026-11' });
      expect(wrong.status).toBe(400);
      expect(page(wrong).fieldError('regie')).toBe('Choisissez une régie de la liste.');
      expect(page(wrong).fieldValue('mois')).toBe('2026-11');
    }

    const noToken = await http.post('/tarnos/agents/facturation').type('form').send({ regie: regieId, mois: '2026-11' });
    expect(noToken.status).toBe(403);
    expect(await runCount(regieId)).toBe(0);
    expect(await runCount(other.regieId)).toBe(0);
  });

  it("answers 404 to another town's run, for every verb, and to visitors who are not agents", async () => {
    const { townId, regieId } = await regieWithActivity('bayeux');
    const runId = await invoiceNovember(townId, regieId);
    const http = await signedIn('tarnos');
    const token = page(await http.get('/tarnos/agents/facturation')).csrf();
    for (const path of [`/tarnos/agents/facturation/executions/${runId}`, `/tarnos/agents/facturation/executions/${runId}/etat`]) {
      expect((await http.get(path)).status).toBe(404);
      expect((await http.post(path).type('form').send({ _csrf: token })).status).toBe(404);
    }
    expect((await http.get('/tarnos/agents/facturation/executions/pas-un-id')).status).toBe(404);
    expect((await t.agent().get('/bayeux/agents/facturation')).status).toBe(404);
    expect((await t.agent().get(`/bayeux/agents/facturation/executions/${runId}`)).status).toBe(404);
  });
});

describe('invoices', () => {
  it('filters by month, régie, status and a name or number, 25 a page, and shows a family its balance', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('villennes', 'PERI');
    const second = await regieWithActivity('villennes', 'CLSH');
    const families: string[] = [];
    for (let i = 0; i < 26; i += 1)
      families.push(await familyBooking('villennes', activityId, `FAMILLE${String(i).padStart(2, '0')}`, NOVEMBER.slice(0, 1)));
    const lopez = await familyBooking('villennes', second.activityId, 'LÓPEZ');
    await invoiceNovember(townId, regieId);
    await invoiceNovember(townId, second.regieId);
    let http = await signedIn('villennes');

    const all = page(await http.get('/villennes/agents/facturation/factures'));
    expect(all.text('.results-count')).toBe('27 factures – page 1 sur 2.');
    expect(all.rows()).toHaveLength(25);
    const next = all.links('.pagination').find((l) => l.text.startsWith('Page suivante'));
    expect(next?.href).toBe('/villennes/agents/facturation/factures?page=2');
    expect(page(await http.get(next!.href)).rows()).toHaveLength(2);

    const byRegie = page(await http.get(`/villennes/agents/facturation/factures?regie=${second.regieId}&mois=2026-11`));
    expect(byRegie.rows().map((r) => r.header)).toEqual(['CLSH-2026-000001']);
    expect(byRegie.row('CLSH-2026-000001').cells).toEqual([
      expect.stringMatching(/^LÓPEZ/),
      'novembre 2026',
      '15,20\u00a0€',
      '15,20\u00a0€',
      '15/12/2026',
      'À payer',
    ]);
    expect(byRegie.selected('regie')).toBe(second.regieId);
    expect(byRegie.fieldValue('mois')).toBe('2026-11');

    // Search: the name folded (no accent), or the number.
    expect(
      page(await http.get('/villennes/agents/facturation/factures?q=lopez'))
        .rows()
        .map((r) => r.header),
    ).toEqual(['CLSH-2026-000001']);
    expect(page(await http.get('/villennes/agents/facturation/factures?q=PERI-2026-000026')).rows()).toHaveLength(1);
    expect(page(await http.get('/villennes/agents/facturation/factures?mois=2026-10')).text('.results-count')).toBe('Aucune facture.');

    // Status: late once the due date has passed.
    expect(page(await http.get('/villennes/agents/facturation/factures?statut=en_retard')).text('.results-count')).toBe('Aucune facture.');
    t.clock.set('2026-12-16T09:00:00Z');
    // Two weeks later the session has expired: sign in again.
    http = await signedIn('villennes');
    const late = page(await http.get(`/villennes/agents/facturation/factures?statut=en_retard&regie=${second.regieId}`));
    expect(late.row('CLSH-2026-000001').cells.at(-1)).toBe('En retard');
    expect(page(await http.get('/villennes/agents/facturation/factures?statut=payee')).text('.results-count')).toBe('Aucune facture.');

    // From the family file, the family's invoices and balance.
    const file = page(await http.get(`/villennes/agents/familles/${lopez}`));
    const link = file.links('main').find((l) => l.text.startsWith('Factures et solde'));
    expect(link?.href).toBe(`/villennes/agents/facturation/factures?famille=${lopez}`);
    const mine = page(await http.get(link!.href));
    expect(mine.heading()).toBe('Factures de la famille LÓPEZ');
    expect(mine.dd('Solde du compte de la famille')).toBe('15,20\u00a0€');
    expect(mine.rows()).toHaveLength(1);
    expect(families).toHaveLength(26);
  });

  it('shows an invoice day by day, issues a credit note (audited) and lowers the remaining due and the balance', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('tarnos', 'REST');
    const familyId = await familyBooking('tarnos', activityId, 'BERNARD');
    await invoiceNovember(townId, regieId);
    const [invoice] = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    const http = await signedIn('tarnos');
    const url = `/tarnos/agents/facturation/factures/${invoice!.id}`;

    const shown = page(await http.get(url));
    expect(shown.heading()).toBe('Facture REST-2026-000001');
    expect(shown.text('.caption')).toBe('Facture du mois de novembre 2026');
    expect(shown.dd('Payeur')).toBe('Famille BERNARD');
    expect(shown.dd('Total')).toBe('15,20\u00a0€');
    expect(shown.dd('Reste dû')).toBe('15,20\u00a0€');
    expect(shown.dd('Solde du compte de la famille')).toBe('15,20\u00a0€ (toutes ses factures)');
    expect(shown.rows('table:has(#lines-caption) tbody').map((r) => [r.header, ...r.cells])).toEqual(
      NOVEMBER.map((day) => [
        `${day.slice(8)}/11/2026`,
        'Léa BERNARD',
        expect.stringMatching(/^Activité /),
        'Réservé',
        '3,80\u00a0€',
        '3,80\u00a0€',
      ]),
    );
    expect(shown.text('#credit-heading')).toBe('Émettre un avoir');

    const issued = await http
      .post(`${url}/avoir`)
      .type('form')
      .send({ _csrf: shown.csrf(), montant: '3,80', motif: 'Repas du 5 novembre non servi (grève)' });
    expect(issued.status).toBe(303);
    expect(issued.headers.location).toBe(url);
    const after = page(await http.get(url));
    expect(after.text('.notice--success')).toBe('L’avoir AV-REST-2026-000001 de 3,80\u00a0€ est émis.');
    expect(after.row('AV-REST-2026-000001').cells).toEqual([
      '02/12/2026',
      '3,80\u00a0€',
      'Repas du 5 novembre non servi (grève)',
      expect.stringContaining('Agent'),
    ]);
    expect(after.dd('Reste dû')).toBe('11,40\u00a0€');
    expect(after.dd('Solde du compte de la famille')).toBe('11,40\u00a0€ (toutes ses factures)');
    const { rows } = await db().query<{ details: { creditNote: string; amountCents: number } }>(
      `select details from audit_log where action = 'credit_note.create' and target_id = $1`,
      [invoice!.id],
    );
    expect(rows.map((r) => [r.details.creditNote, r.details.amountCents])).toEqual([['AV-REST-2026-000001', 380]]);
    expect(page(await http.get(`/tarnos/agents/facturation/factures?famille=${familyId}`)).dd('Solde du compte de la famille')).toBe(
      '11,40\u00a0€',
    );
  });

  it('says what is wrong with a credit note, keeps what was typed, and issues nothing', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('tarnos');
    await familyBooking('tarnos', activityId, 'PETIT');
    await invoiceNovember(townId, regieId);
    const [invoice] = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    const http = await signedIn('tarnos');
    const url = `/tarnos/agents/facturation/factures/${invoice!.id}`;
    const token = page(await http.get(url)).csrf();
    const post = (body: Record<string, string>) =>
      http
        .post(`${url}/avoir`)
        .type('form')
        .send({ _csrf: token, ...body });

    const empty = await post({ montant: '', motif: '  ' });
    expect(empty.status).toBe(400);
    expect(page(empty).errorSummary()).toEqual([
      { field: 'montant', message: 'Indiquez le montant de l’avoir, par exemple 12,50.' },
      { field: 'motif', message: 'Indiquez le motif de l’avoir.' },
    ]);

    const cases: [string, string][] = [
      ['douze', 'Le montant s’écrit en euros, par exemple 12,50.'],
      ['-3,80', 'Le montant s’écrit en euros, par exemple 12,50.'],
      ['3,805', 'Le montant s’écrit en euros, par exemple 12,50.'],
      ['0,00', 'Le montant de l’avoir doit être positif.'],
      ['15,21', 'L’avoir ne peut pas dépasser ce qui reste de la facture (15,20\u202f€).'],
    ];
    for (const [montant, message] of cases) {
      const res = await post({ montant, motif: 'Erreur de pointage' });
      expect(res.status, montant).toBe(400);
      expect(page(res).fieldError('montant'), montant).toBe(message);
      expect(page(res).fieldValue('montant')).toBe(montant);
      expect(page(res).fieldValue('motif')).toBe('Erreur de pointage');
    }
    const long = await post({ montant: '1', motif: 'x'.repeat(501) });
    expect(page(long).fieldError('motif')).toBe('Le motif doit comporter 500 caractères au maximum');

    expect((await http.post(`${url}/avoir`).type('form').send({ montant: '1,00', motif: 'Sans jeton' })).status).toBe(403);
    expect(await invoices.listCreditNotes(db(), townId, invoice!.id)).toEqual([]);
  });

  it("answers 404 to another town's invoice and credit note, for every verb", async () => {
    const { activityId, regieId, townId } = await regieWithActivity('bayeux');
    await familyBooking('bayeux', activityId, 'LEROY');
    await invoiceNovember(townId, regieId);
    const [invoice] = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    const http = await signedIn('tarnos');
    const token = page(await http.get('/tarnos/agents/facturation')).csrf();
    for (const path of [`/tarnos/agents/facturation/factures/${invoice!.id}`, `/tarnos/agents/facturation/factures/${invoice!.id}/avoir`]) {
      expect((await http.get(path)).status, path).toBe(404);
      expect((await http.post(path).type('form').send({ _csrf: token, montant: '1', motif: 'x' })).status, path).toBe(404);
    }
    expect((await http.get('/tarnos/agents/facturation/factures/pas-un-id')).status).toBe(404);
    // Filtering by another town's family shows nothing of it.
    const filtered = page(await http.get(`/tarnos/agents/facturation/factures?regie=${regieId}`));
    expect(filtered.text('.results-count')).toBe('Aucune facture.');
    expect(await invoices.listCreditNotes(db(), townId, invoice!.id)).toEqual([]);
  });
});

describe('the accounting export', () => {
  it('downloads the CSV of a régie and month, named after both, with formula cells neutralised', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('bondoufle', 'ECOLE');
    await familyBooking('bondoufle', activityId, 'ROUX');
    await invoiceNovember(townId, regieId);
    const [invoice] = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    const http = await signedIn('bondoufle');
    const url = `/bondoufle/agents/facturation/factures/${invoice!.id}`;
    const token = page(await http.get(url)).csrf();
    // A reason typed by an agent that a spreadsheet would run as a formula.
    expect(
      (await http.post(`${url}/avoir`).type('form').send({ _csrf: token, montant: '1,50', motif: '=HYPERLINK("http://x")' })).status,
    ).toBe(303);

    const form = page(await http.get('/bondoufle/agents/facturation/export'));
    expect(form.heading()).toBe('Export comptable');
    // Bondoufle's demo régie (src/db/demo-billing.ts) is offered too, so which is preselected is not this test's business.
    expect(form.attrs('#regie option', 'value')).toContain(regieId);
    expect(form.selected('regie')).not.toBeUndefined();
    expect(form.fieldValue('mois')).toBe('2026-11');

    const csv = await http.get(`/bondoufle/agents/facturation/export?regie=${regieId}&mois=2026-12`).buffer(true);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="factures-ECOLE-2026-12.csv"; filename*=UTF-8''factures-ECOLE-2026-12.csv`,
    );
    const text = csv.text;
    expect(text.startsWith('\ufeff')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines[1]).toBe('Facture;ECOLE-2026-000001;02/12/2026;15/12/2026;Famille ROUX;2026-11;;15,20;');
    expect(lines[2]).toBe(`Avoir;AV-ECOLE-2026-000001;02/12/2026;;Famille ROUX;;ECOLE-2026-000001;-1,50;"'=HYPERLINK(""http://x"")"`);
  });

  it('says what is missing or wrong, keeping the choices, and 404s for visitors who are not agents', async () => {
    const { regieId } = await regieWithActivity('bondoufle');
    const other = await regieWithActivity('bayeux');
    const http = await signedIn('bondoufle');

    const empty = await http.get('/bondoufle/agents/facturation/export?regie=&mois=');
    expect(empty.status).toBe(400);
    expect(page(empty).errorSummary()).toEqual([
      { field: 'regie', message: 'Choisissez la régie.' },
      { field: 'mois', message: 'Indiquez le mois à exporter, par exemple 2026-11.' },
    ]);
    const badMonth = await http.get(`/bondoufle/agents/facturation/export?regie=${regieId}&mois=2026-13`);
    expect(badMonth.status).toBe(400);
    expect(page(badMonth).fieldError('mois')).toBe('Le mois s’écrit sous la forme 2026-11 ou 11/2026.');
    expect(page(badMonth).fieldValue('mois')).toBe('2026-13');
    expect(page(badMonth).selected('regie')).toBe(regieId);
    const foreign = await http.get(`/bondoufle/agents/facturation/export?regie=${other.regieId}&mois=2026-11`);
    expect(foreign.status).toBe(400);
    expect(page(foreign).fieldError('regie')).toBe('Choisissez une régie de la liste.');
    expect(foreign.headers['content-disposition']).toBeUndefined();

    expect((await t.agent().get(`/bondoufle/agents/facturation/export?regie=${regieId}&mois=2026-11`)).status).toBe(404);
  });
});
