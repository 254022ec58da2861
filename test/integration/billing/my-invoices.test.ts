import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCreditNote } from '../../../src/features/billing/invoicing.service.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import {
  createAdult,
  createAgentFixture,
  createChild,
  createFamily,
  createParent,
  createQuotient,
  createReservation,
  createSubmission,
  createEnrolment,
  payInvoice,
  setPayer,
} from '../../helpers/fixtures.js';
import { signInAgent } from '../../helpers/auth.js';
import { page } from '../../helpers/html.js';
import { pdfUnicodeText } from '../../helpers/pdf.js';
import { actor, binary, bookedFamily, invoiceMonth, invoicesOf, regieWithActivity, serviceContext, signedIn } from './parent-billing.js';

/** "Mes factures" (issue 14): the list, an invoice day by day, its PDF, contesting a line, and who may open what. */

let t: TestApp;
beforeAll(async () => {
  // November 2026 is invoiced on 2 December 2026, due on the 15th.
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

/** A Bayeux family invoiced for October (one day) and November (a day present, a day absent), with a credit note on November. */
async function invoicedFamily(name: string, slug = 'bayeux') {
  const { activityId, regieId, townId } = await regieWithActivity(t, slug);
  const family = await bookedFamily(t, slug, activityId, { name, present: ['2026-10-05', '2026-11-02'], absent: ['2026-11-03'] });
  await invoiceMonth(t, townId, regieId, '2026-10');
  await invoiceMonth(t, townId, regieId, '2026-11');
  const [november, october] = await invoicesOf(t, townId, family.familyId);
  const note = await createCreditNote(serviceContext(t), townId, actor, november!.id, { amountCents: 100, reason: 'Geste commercial' });
  if (!note.ok) throw new Error(note.message);
  const lines = await invoices.listInvoiceLines(t.db.pool, townId, november!.id);
  return { ...family, townId, november: november!, october: october!, lines };
}

describe('Mes factures', () => {
  it('lists the family’s invoices newest first, with status, amount, what remains due and the due date', async () => {
    const f = await invoicedFamily('LEBLANC');
    await payInvoice(t.db.pool, 'bayeux', f.october.id, new Date('2026-11-20T10:00:00Z'));
    const agent = await signedIn(t, 'bayeux', f.parent);
    const res = await agent.get('/bayeux/mon-espace/factures');
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe('Mes factures');
    expect(p.rows().map((r) => r.cells.slice(0, 6))).toEqual([
      [`N° ${f.november.number}`, 'novembre 2026', '7,60\u00a0€', 'À payer', '6,60\u00a0€', '15/12/2026'],
      [`N° ${f.october.number}`, 'octobre 2026', '3,80\u00a0€', 'Payée', '0,00\u00a0€', '15/12/2026'],
    ]);
    expect(p.attrs('main table a', 'href')).toEqual([
      `/bayeux/mon-espace/factures/${f.november.id}`,
      `/bayeux/mon-espace/factures/${f.november.id}/facture.pdf`,
      `/bayeux/mon-espace/factures/${f.october.id}`,
      `/bayeux/mon-espace/factures/${f.october.id}/facture.pdf`,
    ]);
  });

  it('says when an invoice is late', async () => {
    const f = await invoicedFamily('RETARD');
    t.clock.set('2026-12-16T09:00:00Z');
    try {
      const agent = await signedIn(t, 'bayeux', f.parent);
      const p = page(await agent.get('/bayeux/mon-espace/factures'));
      expect(p.rows()[0]!.cells[3]).toBe('En retard');
    } finally {
      t.clock.set('2026-12-02T09:00:00Z');
    }
  });

  it('says in French that there is no invoice yet, and why there is none for an account without a family', async () => {
    const family = await createFamily(t.db.pool, 'bayeux', { name: 'SANSFACTURE' });
    const parent = await createParent(t.db.pool, 'bayeux', { familyId: family.id });
    const empty = page(await (await signedIn(t, 'bayeux', parent)).get('/bayeux/mon-espace/factures'));
    expect(empty.text()).toContain("Vous n'avez pas encore de facture.");
    expect(empty.has('main table')).toBe(false);
    const alone = await createParent(t.db.pool, 'bayeux', { validationStatus: 'awaiting_services', validatedAt: null });
    const closed = page(await (await signedIn(t, 'bayeux', alone)).get('/bayeux/mon-espace/factures'));
    expect(closed.text()).toContain('dès que votre espace sera rattaché au dossier de votre famille');
  });
});

describe('an invoice, day by day', () => {
  it('shows for each day what was booked, attended, what it cost and why, links each line to its day, and the credit notes', async () => {
    const f = await invoicedFamily('MOREAU');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const res = await agent.get(`/bayeux/mon-espace/factures/${f.november.id}`);
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe(`Facture N° ${f.november.number}`);
    expect(p.text('.lead')).toBe('Facture du mois de novembre 2026.');
    expect(p.dd('Payeur')).toBe('Famille MOREAU');
    const lines = p.rows('.invoice-lines');
    expect(lines.map((r) => [r.header, ...r.cells.slice(0, 6)])).toEqual([
      ['lundi 2 novembre', 'Emma MOREAU', 'Restauration scolaire', 'Réservé', 'Présent', '3,80\u00a0€', 'Réservé, présent'],
      [
        'mardi 3 novembre',
        'Emma MOREAU',
        'Restauration scolaire',
        'Réservé',
        'Absent',
        '3,80\u00a0€',
        'Réservé, absent sans justification acceptée',
      ],
    ]);
    const absent = f.lines.find((l) => l.day === '2026-11-03')!;
    expect(
      lines[1]!.el
        .find('a')
        .map((_, a) => a.attribs.href)
        .get(),
    ).toEqual([
      `/bayeux/mon-espace/enfants/${f.childId}/agenda?mois=2026-11#jour-2026-11-03`,
      `/bayeux/mon-espace/factures/${f.november.id}/contester?ligne=${absent.id}`,
    ]);
    expect(
      p
        .rows()
        .find((r) => r.cells[0]?.startsWith('N° AV-'))
        ?.cells.slice(2),
    ).toEqual(['Geste commercial', '1,00\u00a0€']);
    expect(p.dd('Total des lignes')).toBe('7,60\u00a0€');
    expect(p.dd('Avoirs déduits')).toBe('1,00\u00a0€');
    expect(p.dd('Reste à payer')).toBe('6,60\u00a0€');
  });

  it('downloads as a PDF with the same lines and amounts', async () => {
    const f = await invoicedFamily('PETIT');
    const agent = await signedIn(t, 'bayeux', f.parent);
    const res = await agent.get(`/bayeux/mon-espace/factures/${f.november.id}/facture.pdf`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="facture-${f.november.number}.pdf"; filename*=UTF-8''facture-${f.november.number}.pdf`,
    );
    const text = pdfUnicodeText(res.body as Buffer);
    expect(text).toContain(`Facture N° ${f.november.number}`);
    expect(text).toContain('02/11/2026');
    expect(text).toContain('Emma PETIT');
    expect(text).toContain('6,60\u00a0€');
    expect(text).not.toContain('\u0000');
  });
});

describe('contesting a line', () => {
  it('sends a request to the services with the line attached, then shows it in Mes demandes', async () => {
    const f = await invoicedFamily('GIRARD');
    const line = f.lines.find((l) => l.day === '2026-11-03')!;
    const agent = await signedIn(t, 'bayeux', f.parent);
    const path = `/bayeux/mon-espace/factures/${f.november.id}/contester`;
    const form = await agent.get(`${path}?ligne=${line.id}`);
    expect(form.status).toBe(200);
    expect(page(form).dd('Jour')).toBe('mardi 3 novembre 2026');
    expect(page(form).dd('Montant')).toBe('3,80\u00a0€');

    const res = await agent
      .post(path)
      .type('form')
      .send({ _csrf: page(form).csrf(), ligne: line.id, message: 'Emma était malade, certificat envoyé.' });
    expect(res.status).toBe(303);
    const requestId = /\/demandes\/([0-9a-f-]{36})$/.exec(res.headers.location ?? '')![1]!;
    const shown = page(await agent.get(res.headers.location!));
    expect(shown.heading()).toBe(`Facture N° ${f.november.number} : ligne du 03/11/2026 (Emma GIRARD, Restauration scolaire)`);
    expect(shown.text()).toContain('Réservé, absent sans justification acceptée');
    expect(shown.text()).toContain('Emma était malade, certificat envoyé.');
    const { rows } = await t.db.pool.query<{ type: string; payload: Record<string, unknown> }>(
      `select type, payload from requests where id = $1`,
      [requestId],
    );
    expect(rows[0]).toMatchObject({
      type: 'invoice_contest',
      payload: { invoiceId: f.november.id, invoiceNumber: f.november.number, lineId: line.id, day: '2026-11-03', amountCents: 380 },
    });
    const list = page(await agent.get('/bayeux/mon-espace/demandes'));
    expect(list.text()).toContain(`Facture N° ${f.november.number}`);
    // The services read the line in their queue, and what accepting means.
    const services = t.agent();
    const officer = await createAgentFixture(t.db.pool, 'bayeux');
    expect((await signInAgent(services, 'bayeux', officer.username, officer.password)).status).toBe(303);
    const seen = page(await services.get(`/bayeux/agents/demandes/${requestId}`));
    expect(seen.dd('Motif de la ligne')).toBe('Réservé, absent sans justification acceptée');
    expect(seen.dd('Montant de la ligne')).toBe('3,80\u00a0€');
    expect(seen.text()).toContain('émettez un avoir sur la facture');
  });

  it('refuses an empty message in French, keeping the line, and refuses a post without the CSRF token', async () => {
    const f = await invoicedFamily('FAURE');
    const line = f.lines[0]!;
    const agent = await signedIn(t, 'bayeux', f.parent);
    const path = `/bayeux/mon-espace/factures/${f.november.id}/contester`;
    const token = page(await agent.get(`${path}?ligne=${line.id}`)).csrf();
    const empty = await agent.post(path).type('form').send({ _csrf: token, ligne: line.id, message: '   ' });
    expect(empty.status).toBe(400);
    expect(page(empty).errorSummary()).toEqual([{ field: 'message', message: 'Expliquez ce qui vous semble inexact dans cette ligne' }]);
    expect(page(empty).hidden('ligne')).toBe(line.id);
    const forged = await agent.post(path).type('form').send({ ligne: line.id, message: 'Sans jeton' });
    expect(forged.status).toBe(403);
    const { rows } = await t.db.pool.query(`select 1 from requests where type = 'invoice_contest' and family_id = $1`, [f.familyId]);
    expect(rows).toHaveLength(0);
  });

  it('is a 404 for a line of another invoice, or no line', async () => {
    const f = await invoicedFamily('ROUX');
    const octoberLine = (await invoices.listInvoiceLines(t.db.pool, f.townId, f.october.id))[0]!;
    const agent = await signedIn(t, 'bayeux', f.parent);
    const path = `/bayeux/mon-espace/factures/${f.november.id}/contester`;
    expect((await agent.get(`${path}?ligne=${octoberLine.id}`)).status).toBe(404);
    expect((await agent.get(path)).status).toBe(404);
    const token = await csrfToken(agent, '/bayeux/mon-espace/edition-de-documents');
    expect((await agent.post(path).type('form').send({ _csrf: token, ligne: octoberLine.id, message: 'x' })).status).toBe(404);
  });
});

describe('who may open an invoice', () => {
  it('is a 404, for every verb, to another family, another town, and a visitor', async () => {
    const mine = await invoicedFamily('BLANC');
    const other = await invoicedFamily('NOIR');
    const elsewhere = await invoicedFamily('VERT', 'villennes');
    const agent = await signedIn(t, 'bayeux', mine.parent);
    const token = await csrfToken(agent, '/bayeux/mon-espace/edition-de-documents');
    const visitor = t.agent();
    const tokens = new Map([
      [agent, token],
      [visitor, await csrfToken(visitor, '/bayeux/')],
    ]);
    const cases: [ReturnType<TestApp['agent']>, string, { id: string; lineId: string }][] = [
      [agent, 'bayeux', { id: other.november.id, lineId: other.lines[0]!.id }],
      [agent, 'bayeux', { id: elsewhere.november.id, lineId: elsewhere.lines[0]!.id }],
      [agent, 'villennes', { id: elsewhere.november.id, lineId: elsewhere.lines[0]!.id }],
      [agent, 'villennes', { id: mine.november.id, lineId: mine.lines[0]!.id }],
      [visitor, 'bayeux', { id: mine.november.id, lineId: mine.lines[0]!.id }],
    ];
    for (const [who, slug, { id, lineId }] of cases) {
      const base = `/${slug}/mon-espace/factures/${id}`;
      expect((await who.get(base)).status, base).toBe(404);
      expect((await who.get(`${base}/facture.pdf`)).status, base).toBe(404);
      expect((await who.get(`${base}/contester?ligne=${lineId}`)).status, base).toBe(404);
      expect(
        (
          await who
            .post(`${base}/contester`)
            .type('form')
            .send({ _csrf: tokens.get(who), ligne: lineId, message: 'Erreur' })
        ).status,
        base,
      ).toBe(404);
    }
    expect((await agent.get(`/bayeux/mon-espace/factures/${mine.november.id}`)).status).toBe(200);
    expect((await agent.get('/bayeux/mon-espace/factures/pas-un-identifiant')).status).toBe(404);
  });

  it('shows a separated parent invoiced on their own only their invoices and the family’s', async () => {
    const db = t.db.pool;
    const { activityId, regieId, townId } = await regieWithActivity(t, 'bayeux');
    const family = await createFamily(db, 'bayeux', { name: 'DURAND' });
    const payer = await createAdult(db, 'bayeux', family.id, { firstNames: 'Claire', lastName: 'Durand' });
    await setPayer(db, 'bayeux', family.id, { payerAdultId: payer, splitInvoicing: true });
    const mother = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Claire', lastName: 'Durand' });
    const father = await createParent(db, 'bayeux', { familyId: family.id, firstNames: 'Paul', lastName: 'Durand' });
    const childId = await createChild(db, 'bayeux', family.id, { lastName: 'Durand' });
    const enrolmentId = await createEnrolment(db, 'bayeux', { activityId, childId });
    await createQuotient(db, 'bayeux', { familyId: family.id, qf: 1200 });
    for (const [account, day] of [
      [mother, '2026-11-02'],
      [father, '2026-11-05'],
    ] as const) {
      const submissionId = await createSubmission(db, 'bayeux', { familyId: family.id, accountId: account.id, activityId });
      await createReservation(db, 'bayeux', { activityId, enrolmentId, childId, day, status: 'booked', submissionId });
    }
    await invoiceMonth(t, townId, regieId);
    const all = await invoices.listMonthInvoices(db, townId, regieId, '2026-11-01');
    const own = (accountId: string) => all.find((i) => i.accountId === accountId)!;

    const motherAgent = await signedIn(t, 'bayeux', mother);
    const listed = page(await motherAgent.get('/bayeux/mon-espace/factures'))
      .rows()
      .map((r) => r.cells[0]);
    expect(listed).toEqual([`N° ${own(mother.id).number}`]);
    const fatherInvoice = own(father.id);
    expect((await motherAgent.get(`/bayeux/mon-espace/factures/${fatherInvoice.id}`)).status).toBe(404);
    expect((await motherAgent.get(`/bayeux/mon-espace/factures/${fatherInvoice.id}/facture.pdf`)).status).toBe(404);
    const fatherAgent = await signedIn(t, 'bayeux', father);
    expect(
      page(await fatherAgent.get('/bayeux/mon-espace/factures'))
        .rows()
        .map((r) => r.cells[0]),
    ).toEqual([`N° ${fatherInvoice.number}`]);
    expect((await fatherAgent.get(`/bayeux/mon-espace/factures/${fatherInvoice.id}`)).status).toBe(200);

    // The mother's contest of her own line is hers: the father does not see it among the family's requests.
    const mine = own(mother.id);
    const line = (await invoices.listInvoiceLines(db, townId, mine.id))[0]!;
    const contestPath = `/bayeux/mon-espace/factures/${mine.id}/contester`;
    const token = page(await motherAgent.get(`${contestPath}?ligne=${line.id}`)).csrf();
    const sent = await motherAgent.post(contestPath).type('form').send({ _csrf: token, ligne: line.id, message: 'Jour annulé à temps.' });
    expect(sent.status).toBe(303);
    expect((await motherAgent.get(sent.headers.location!)).status).toBe(200);
    expect((await fatherAgent.get(sent.headers.location!)).status).toBe(404);
    expect(page(await fatherAgent.get('/bayeux/mon-espace/demandes')).text()).not.toContain(mine.number);
  });
});
