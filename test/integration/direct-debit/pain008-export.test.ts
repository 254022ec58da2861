import fs from 'node:fs';
import path from 'node:path';
import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { signMandate } from '../../../src/features/direct-debit/direct-debit.service.js';
import { findInvoice } from '../../../src/repositories/billing-invoices.repository.js';
import { findActiveMandate, revokeActiveMandate, saveSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import type { Town } from '../../../src/repositories/towns.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createAttendance, createReservation, payInvoice, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';
import {
  bookedFamily,
  invoiceMonth,
  invoicesOf,
  regieWithActivity,
  serviceContext,
  signedIn as parentSignedIn,
} from '../billing/parent-billing.js';

/**
 * The agents' monthly collections (issue 15): the pain.008 file validates against the ISO
 * 20022 schema shipped in test/fixtures/sepa, holds exactly the due invoices of mandated
 * families, FRST then RCUR right on the next month; a reject reopens the invoice and tells
 * the family.
 */

const XSD = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/sepa/pain.008.001.02.xsd'), 'utf8');
const LIST = '/bayeux/agents/facturation/prelevements';

let t: TestApp;
let bayeux: Town;
let agent: SignedInAgent;
const db = () => t.db.pool;

async function validate(xml: string) {
  return validateXML({
    xml: [{ fileName: 'prelevements.xml', contents: xml }],
    schema: [{ fileName: 'pain.008.001.02.xsd', contents: XSD }],
  });
}

/** What the file debits, per sequence type: the remittance texts (they name the invoices) and the amounts. */
function debits(xml: string) {
  const $ = cheerio.load(xml, { xml: true });
  return $('PmtInf')
    .toArray()
    .map((info) => ({
      sequence: $(info).find('PmtTpInf > SeqTp').text(),
      date: $(info).find('ReqdColltnDt').text(),
      transactions: $(info)
        .find('DrctDbtTxInf')
        .toArray()
        .map((tx) => ({
          text: $(tx).find('RmtInf > Ustrd').text(),
          amount: $(tx).find('InstdAmt').text(),
          rum: $(tx).find('MndtId').text(),
        }))
        .sort((a, b) => a.text.localeCompare(b.text)),
    }));
}

const MANDATE = {
  iban: 'FR7630006000011234567890189',
  bic: null,
  adresse: '1 rue Haute, 14400 Bayeux',
  lieu: 'Bayeux',
  consentement: 'oui' as const,
};

async function mandated(f: { parent: Parameters<typeof signMandate>[2] }, name: string) {
  return (await signMandate(serviceContext(t), bayeux, f.parent, { ...MANDATE, titulaire: name })).mandate;
}

let families: Record<'a' | 'b' | 'c' | 'd' | 'e', Awaited<ReturnType<typeof bookedFamily>>>;
let activityId: string;
let regieId: string;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  bayeux = await town(db(), 'bayeux');
  await saveSepaSettings(
    db(),
    bayeux.id,
    {
      enabled: true,
      creditorId: 'FR72ZZZ123456',
      creditorName: 'Régie Enfance de Bayeux',
      creditorIban: 'DE89370400440532013000',
      creditorBic: 'COBADEFF',
      prenotificationDays: 14,
    },
    new Date(),
  );
  ({ activityId, regieId } = await regieWithActivity(t, 'bayeux'));
  const book = (name: string) => bookedFamily(t, 'bayeux', activityId, { name, present: ['2026-11-02'] });
  // A mandated; B never signed; C revoked its mandate; D paid at the counter; E signed late.
  families = {
    a: await book('ALBERT'),
    b: await book('BERNARD'),
    c: await book('CARON'),
    d: await book('DUBOIS'),
    e: await book('EVRARD'),
  };
  await invoiceMonth(t, bayeux.id, regieId, '2026-11');
  await mandated(families.a, 'Anne Albert');
  await mandated(families.c, 'Claude Caron');
  await revokeActiveMandate(db(), bayeux.id, families.c.familyId, new Date(), families.c.parent.id);
  await mandated(families.d, 'Denis Dubois');
  const [dInvoice] = await invoicesOf(t, bayeux.id, families.d.familyId);
  await payInvoice(db(), 'bayeux', dInvoice!.id, new Date('2026-12-03T10:00:00Z'));
  // Signed on 10 December: the family is told then, so its November invoice is debited from the 24th.
  t.clock.set('2026-12-10T09:00:00Z');
  await mandated(families.e, 'Eve Evrard');
  agent = await signedIn(t, 'bayeux', 'agent');
}, 60_000);
afterAll(async () => t.close());

async function numberOf(familyId: string, index = 0) {
  return (await invoicesOf(t, bayeux.id, familyId))[index]!.number;
}

describe('preparing a collection', () => {
  let batchUrl: string;

  it('refuses a date that is not one, or already past, and CSRF-less posts', async () => {
    const bad = await post(agent, LIST, { dateCollecte: '31/02/2027' });
    expect(bad.status).toBe(400);
    expect(page(bad).fieldError('dateCollecte')).toBe('Saisissez la date de prélèvement au format JJ/MM/AAAA, par exemple 15/01/2027');
    expect(page(bad).fieldValue('dateCollecte')).toBe('31/02/2027');
    const past = await post(agent, LIST, { dateCollecte: '01/12/2026' });
    expect(past.status).toBe(400);
    expect(page(past).fieldError('dateCollecte')).toBe(
      'La date de prélèvement doit être postérieure à aujourd’hui : la banque a besoin d’au moins un jour',
    );
    const none = await post(agent, LIST, { dateCollecte: '11/12/2026' });
    expect(none.status).toBe(400);
    expect(page(none).fieldError('dateCollecte')).toBe('Aucune facture n’est à prélever au vendredi 11 décembre 2026');
    const csrfless = await agent.agent.post(LIST).type('form').send({ dateCollecte: '20/12/2026' });
    expect(csrfless.status).toBe(403);
    expect((await db().query('select 1 from direct_debit_batches')).rowCount).toBe(0);
  });

  it('lists the invoices waiting for their debit, with the day each may be debited from', async () => {
    const p = page(await agent.agent.get(LIST));
    expect(p.rows('[aria-labelledby="pending-caption"] table').map((r) => [r.header, r.cells[0], r.cells[2], r.cells[3]])).toEqual([
      [`N° ${await numberOf(families.a.familyId)}`, 'ALBERT', '16/12/2026', 'Premier (FRST)'],
      [`N° ${await numberOf(families.e.familyId)}`, 'EVRARD', '24/12/2026', 'Premier (FRST)'],
    ]);
  });

  it('exports exactly the due invoices of mandated families, as a file that validates, and counts them paid', async () => {
    const res = await post(agent, LIST, { dateCollecte: '20/12/2026' });
    expect(res.status).toBe(303);
    batchUrl = res.headers.location!;
    const file = await agent.agent.get(`${batchUrl}/fichier.xml`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/xml');
    const xml = file.text;
    const result = await validate(xml);
    expect(result.errors.map((e) => e.message)).toEqual([]);
    expect(result.valid).toBe(true);
    // Not B (no mandate), C (revoked), D (paid), E (its debit date, the 24th, is after the 20th).
    expect(debits(xml)).toEqual([
      {
        sequence: 'FRST',
        date: '2026-12-20',
        transactions: [
          {
            text: `Facture ${await numberOf(families.a.familyId)} Ville de Bayeux et Bayeux Intercom`,
            amount: '3.80',
            rum: expect.stringMatching(/^ENF-BAYEUX-/),
          },
        ],
      },
    ]);
    const [aInvoice] = await invoicesOf(t, bayeux.id, families.a.familyId);
    expect(aInvoice!.status).toBe('paid');
    const batch = page(await agent.agent.get(batchUrl));
    expect(batch.rows().map((r) => [r.header, r.cells[2], r.cells[3]])).toEqual([
      [`N° ${aInvoice!.number}`, 'Premier (FRST)', '3,80\u00a0€'],
    ]);
    expect((await auditRows(t, agent.id, 'direct_debit.export')).map((r) => r.details)).toEqual([
      expect.objectContaining({ collectionDate: '2026-12-20', count: 1, amountCents: 380 }),
    ]);
  });

  it('next month: RCUR for a mandate already collected, FRST for a new one; a second export never repeats an invoice', async () => {
    for (const f of [families.a, families.e]) {
      await createReservation(db(), 'bayeux', {
        activityId,
        enrolmentId: f.enrolmentId,
        childId: f.childId,
        day: '2026-12-07',
        status: 'booked',
      });
      await createAttendance(db(), 'bayeux', {
        activityId,
        enrolmentId: f.enrolmentId,
        childId: f.childId,
        day: '2026-12-07',
        present: true,
        reserved: true,
      });
    }
    t.clock.set('2027-01-02T09:00:00Z');
    await invoiceMonth(t, bayeux.id, regieId, '2026-12');
    // A new day for the agent too (an idle session ends after 15 minutes).
    agent = await signedIn(t, 'bayeux', 'agent');
    const res = await post(agent, LIST, { dateCollecte: '20/01/2027' });
    expect(res.status).toBe(303);
    const xml = (await agent.agent.get(`${res.headers.location}/fichier.xml`)).text;
    expect(await validate(xml)).toMatchObject({ valid: true });
    const e = families.e.familyId;
    expect(debits(xml).map((p) => [p.sequence, p.transactions.map((tx) => tx.text.split(' ')[1])])).toEqual([
      ['FRST', [await numberOf(e, 1), await numberOf(e, 0)].sort()],
      ['RCUR', [await numberOf(families.a.familyId, 0)]],
    ]);
  });

  it('records a reject: the invoice is à payer again, the family told, a rejected first makes the next one first again', async () => {
    const [first] = (await db().query<{ id: string }>(`select id from direct_debit_batches order by collection_date limit 1`)).rows;
    const [aInvoice] = (await invoicesOf(t, bayeux.id, families.a.familyId)).slice(1);
    const url = `/bayeux/agents/facturation/prelevements/${first!.id}/rejets/${aInvoice!.id}`;
    const form = page(await agent.agent.get(url));
    expect(form.heading()).toBe(`Rejet du prélèvement de la facture N° ${aInvoice!.number}`);

    const empty = await post(agent, url, { motif: '' });
    expect(empty.status).toBe(400);
    expect(page(empty).fieldError('motif')).toBe('Choisissez le motif du rejet indiqué par la banque');
    expect((await agent.agent.post(url).type('form').send({ motif: 'AM04' })).status).toBe(403);

    const done = await post(agent, url, { motif: 'AM04' });
    expect([done.status, done.headers.location]).toEqual([303, `/bayeux/agents/facturation/prelevements/${first!.id}`]);
    expect((await findInvoice(db(), bayeux.id, aInvoice!.id))!.status).toBe('issued');
    const batch = page(await agent.agent.get(done.headers.location!));
    expect(batch.rows()[0]!.cells[4]).toMatch(/^Rejeté le 02\/01\/2027 : Provision insuffisante \(AM04\)$/);
    // The FRST was rejected and no other first collection of the mandate stands: the next is FRST again.
    expect((await findActiveMandate(db(), bayeux.id, families.a.familyId))!.firstCollectionDone).toBe(false);
    const mails = await db().query<{ subject: string; text_body: string }>(
      `select subject, text_body from mail_outbox where to_address = $1`,
      [families.a.parent.email],
    );
    expect(mails.rows.map((m) => m.subject)).toEqual([`Prélèvement rejeté – facture N° ${aInvoice!.number}`]);
    expect(mails.rows[0]!.text_body).toContain('La facture est de nouveau à payer');
    expect((await auditRows(t, agent.id, 'direct_debit.reject')).map((r) => r.details.code)).toEqual(['AM04']);

    // Rejected: it is no longer marked for debit, and the same reject cannot be recorded twice.
    const parent = await parentSignedIn(t, 'bayeux', families.a.parent);
    expect(page(await parent.get(`/bayeux/mon-espace/factures/${aInvoice!.id}`)).text('main .debit-notice')).toBe('');
    // …and the family can pay it online again.
    expect(page(await parent.get('/bayeux/mon-espace/factures/payer')).text('main form')).toContain(`Facture N° ${aInvoice!.number}`);
    expect(page(await agent.agent.get(url)).has('#motif')).toBe(false);
  });

  it('a reject that says the account is closed (AC04) ends the mandate: later invoices are no longer marked for debit', async () => {
    const [second] = (await db().query<{ id: string }>(`select id from direct_debit_batches order by collection_date desc limit 1`)).rows;
    const [eDecember] = await invoicesOf(t, bayeux.id, families.e.familyId);
    const done = await post(agent, `/bayeux/agents/facturation/prelevements/${second!.id}/rejets/${eDecember!.id}`, { motif: 'AC04' });
    expect(done.status).toBe(303);
    expect(page(await agent.agent.get(done.headers.location!)).text('.notice--success')).toContain(
      'Ce motif met fin au mandat de la famille.',
    );
    expect(await findActiveMandate(db(), bayeux.id, families.e.familyId)).toBeUndefined();
    const mail = await db().query<{ text_body: string }>(`select text_body from mail_outbox where to_address = $1`, [
      families.e.parent.email,
    ]);
    expect(mail.rows[0]!.text_body).toContain('Ce motif met fin à votre mandat de prélèvement');
  });

  it('another town’s agent gets a 404 on batches, files and rejects', async () => {
    const [first] = (await db().query<{ id: string }>(`select id from direct_debit_batches limit 1`)).rows;
    const other = await signedIn(t, 'tarnos', 'agent');
    for (const p of ['', '/fichier.xml']) {
      expect((await other.agent.get(`/tarnos/agents/facturation/prelevements/${first!.id}${p}`)).status).toBe(404);
    }
    const [aInvoice] = await invoicesOf(t, bayeux.id, families.a.familyId);
    expect(
      (await post(other, `/tarnos/agents/facturation/prelevements/${first!.id}/rejets/${aInvoice!.id}`, { motif: 'AM04' })).status,
    ).toBe(404);
  });
});
