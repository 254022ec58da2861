import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCreditNote,
  giveUpInvoicingRun,
  priceDraft,
  runInvoicing,
  startInvoicingRun,
} from '../../../src/features/billing/invoicing.service.js';
import { housekeep } from '../../../src/jobs/housekeeping.js';
import { NotFoundError } from '../../../src/lib/errors.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { setActivityRegie } from '../../../src/repositories/billing-tariffs.repository.js';
import { deleteReservations } from '../../../src/repositories/reservations.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  createAbsenceDays,
  createActivity,
  createAdult,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createQuotient,
  createRegie,
  createRequest,
  createReservation,
  createSubmission,
  createTariff,
  setPayer,
  town,
} from '../../helpers/fixtures.js';
import type { ServiceContext } from '../../../src/deps.js';

const actor = { agentId: null, actorLabel: 'Agent de test', ip: null };

let t: TestApp;
let ctx: ServiceContext;

beforeAll(async () => {
  // Invoices of November 2026 are issued on 2 December 2026.
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
});
afterAll(async () => {
  await t.close();
});

const db = () => t.db.pool;

/** A régie with one meals activity priced by Talloires' brackets (QF 1100–1499 → 3,80 €). */
async function regieWithActivity(slug: string, tariff: Parameters<typeof createTariff>[3] = {}) {
  const activityId = await createActivity(db(), slug);
  const regieId = await createRegie(db(), slug, { activityIds: [activityId] });
  await createTariff(db(), slug, activityId, tariff);
  return { activityId, regieId, townId: (await town(db(), slug)).id };
}

/** A family with one child enrolled, booked (and confirmed) on the given days. */
async function familyBooking(slug: string, activityId: string, days: string[], qf: number | null = 1200, name = 'MARTIN') {
  const family = await createFamily(db(), slug, { name });
  const childId = await createChild(db(), slug, family.id, { birthDate: '2018-03-01' });
  const enrolmentId = await createEnrolment(db(), slug, { activityId, childId });
  if (qf !== null) await createQuotient(db(), slug, { familyId: family.id, qf });
  for (const day of days) await createReservation(db(), slug, { activityId, enrolmentId, childId, day, status: 'booked' });
  return { familyId: family.id, childId, enrolmentId };
}

async function invoiceMonth(townId: string, regieId: string, month = '2026-11') {
  const started = await startInvoicingRun(ctx, townId, actor, regieId, month);
  if (!started.ok) throw new Error(started.message);
  await t.jobs.runDue('invoicing');
  const run = await invoices.findRun(db(), townId, started.runId);
  return run!;
}

function seqs(list: invoices.Invoice[]): number[] {
  return list.map((i) => i.numberSeq).sort((a, b) => a - b);
}

describe('the lines of a month', () => {
  it('bills each day as it happened, with the exact amounts, and traces every line to its day', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('bayeux');
    const { familyId, childId, enrolmentId } = await familyBooking('bayeux', activityId, [
      '2026-11-02',
      '2026-11-03',
      '2026-11-05',
      '2026-11-09',
    ]);
    // 2 Nov: booked, present. 3 Nov: booked, absent, no justification. 5 Nov: booked, absence accepted.
    // 6 Nov: came without a booking. 9 Nov: booked, no sheet yet. 10 Nov: absence accepted but nothing booked.
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-02', present: true, reserved: true });
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-03', present: false, reserved: true });
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-06', present: true, reserved: false });
    const requestId = await createRequest(db(), 'bayeux', { familyId, childId, type: 'absence', status: 'accepted' });
    await createAbsenceDays(db(), 'bayeux', {
      requestId,
      childId,
      days: [
        { activityId, enrolmentId, day: '2026-11-05', wasReserved: true },
        { activityId, enrolmentId, day: '2026-11-10', wasReserved: false },
      ],
      justified: true,
    });

    const run = await invoiceMonth(townId, regieId);
    expect(run).toMatchObject({ status: 'done', totalFamilies: 1, processedFamilies: 1, invoicesCreated: 1, amountCents: 1634 });

    const [invoice] = await invoices.listFamilyInvoices(db(), townId, familyId, null);
    expect(invoice).toMatchObject({
      month: '2026-11-01',
      issuedOn: '2026-12-02',
      dueOn: '2026-12-15',
      totalCents: 1634,
      numberSeq: 1,
      payerName: 'Famille MARTIN',
    });
    expect(invoice!.number).toMatch(/^R[0-9]+-2026-000001$/);
    const lines = await invoices.listInvoiceLines(db(), townId, invoice!.id);
    expect(lines.map((l) => [l.day, l.kind, l.unitPriceCents, l.amountCents, l.reason])).toEqual([
      ['2026-11-02', 'reserved_present', 380, 380, 'Réservé, présent'],
      ['2026-11-03', 'reserved_absent_unjustified', 380, 380, 'Réservé, absent sans justification acceptée'],
      ['2026-11-05', 'absent_justified', 380, 0, 'Absence justifiée acceptée : non facturé'],
      ['2026-11-06', 'unreserved_surcharge', 380, 494, 'Venu sans réservation : tarif majoré de 30\u00a0%'],
      ['2026-11-09', 'reserved', 380, 380, 'Réservé'],
    ]);
    expect(lines.reduce((s, l) => s + l.amountCents, 0)).toBe(invoice!.totalCents);
    expect(lines.find((l) => l.day === '2026-11-05')!.absenceRequestId).toBe(requestId);
    expect(lines.find((l) => l.day === '2026-11-02')!.reservationId).not.toBeNull();
    expect(lines.every((l) => l.childName === 'Emma TEST' && l.qf === 1200)).toBe(true);

    // The parent cancels an invoiced day afterwards: the booking goes, the issued line stays as it was.
    expect(await deleteReservations(db(), townId, activityId, [{ childId, day: '2026-11-09' }])).toHaveLength(1);
    const after = await invoices.listInvoiceLines(db(), townId, invoice!.id);
    expect(after.find((l) => l.day === '2026-11-09')).toMatchObject({ kind: 'reserved', amountCents: 380, reservationId: null });
    expect((await invoices.findInvoice(db(), townId, invoice!.id))!.totalCents).toBe(1634);
  });

  it('prices each day at the QF in force that day, and the second child with its reduction', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('bayeux', { sibling2ReductionBp: 1000 });
    const { familyId } = await familyBooking('bayeux', activityId, ['2026-11-12', '2026-11-16'], 2100);
    await createQuotient(db(), 'bayeux', { familyId, qf: 900, effectiveFrom: '2026-11-16' });
    const younger = await createChild(db(), 'bayeux', familyId, { firstNames: 'Lucas', birthDate: '2020-06-01' });
    const enrolmentId = await createEnrolment(db(), 'bayeux', { activityId, childId: younger });
    await createReservation(db(), 'bayeux', { activityId, enrolmentId, childId: younger, day: '2026-11-12', status: 'booked' });

    await invoiceMonth(townId, regieId);
    const [invoice] = await invoices.listFamilyInvoices(db(), townId, familyId, null);
    const lines = await invoices.listInvoiceLines(db(), townId, invoice!.id);
    expect(lines.map((l) => [l.day, l.childName, l.qf, l.siblingRank, l.amountCents])).toEqual([
      ['2026-11-12', 'Emma TEST', 2100, 1, 480],
      // 4,80 € less 10 %
      ['2026-11-12', 'Lucas TEST', 2100, 2, 432],
      ['2026-11-16', 'Emma TEST', 900, 1, 99],
    ]);
    expect(invoice!.totalCents).toBe(1011);
  });

  it('stops a run with a day to bill and no tariff in force, issuing nothing', async () => {
    const activityId = await createActivity(db(), 'bayeux', { name: 'Garderie du soir' });
    const regieId = await createRegie(db(), 'bayeux', { activityIds: [activityId] });
    await createTariff(db(), 'bayeux', activityId, { effectiveFrom: '2026-11-10' });
    const townId = (await town(db(), 'bayeux')).id;
    const { familyId, childId, enrolmentId } = await familyBooking('bayeux', activityId, ['2026-11-09', '2026-11-10']);
    // The sheet of 2 November lists the child, neither booked nor present: nothing to bill, no tariff needed.
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-02', present: false, reserved: false });
    const run = await invoiceMonth(townId, regieId);
    expect(run.status).toBe('failed');
    expect(run.failure).toBe('L’activité « Garderie du soir » n’a pas de tarif en vigueur le 09/11/2026.');
    expect(await invoices.listFamilyInvoices(db(), townId, familyId, null)).toEqual([]);
  });

  it('closes a run its job gave up on, so that the month can be started again', async () => {
    const { regieId, townId } = await regieWithActivity('bayeux');
    const first = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    if (!first.ok) throw new Error(first.message);
    await giveUpInvoicingRun(ctx, first.runId);
    expect(await invoices.findRun(db(), townId, first.runId)).toMatchObject({
      status: 'failed',
      failure: 'La facturation s’est arrêtée sur une erreur technique. Relancez-la : les factures déjà émises ne seront pas refaites.',
    });
    const second = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    expect(second).toMatchObject({ ok: true, alreadyRunning: false });
    await t.jobs.runDue('invoicing');
  });

  it('closes a run whose job ended without closing it (its last attempt found the run held), so the month can be started again', async () => {
    const { activityId, regieId, townId } = await regieWithActivity('bayeux');
    await familyBooking('bayeux', activityId, ['2026-11-04']);
    const first = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    if (!first.ok) throw new Error(first.message);
    // A worker took the run, then its process died: its lease runs two minutes.
    expect(await invoices.claimRun(db(), townId, first.runId, crypto.randomUUID(), t.clock.now(), 120)).toBeTruthy();
    await t.jobs.runDue('invoicing');
    t.clock.set('2026-12-02T09:10:00Z');
    // The job still retries: it will take the run over and resume it, so the task leaves it alone.
    await housekeep(db(), t.clock);
    expect(await invoices.findRun(db(), townId, first.runId)).toMatchObject({ status: 'running' });

    // Its last attempt comes while the lease still looked held, and the job fails for good.
    const { rows } = await db().query<{ jobId: string }>(`select job_id as "jobId" from invoicing_runs where id = $1`, [first.runId]);
    await db().query(`update pgboss.job set retry_limit = retry_count, start_after = now() where id = $1`, [rows[0]!.jobId]);
    await invoices.claimRun(db(), townId, first.runId, crypto.randomUUID(), t.clock.now(), 120);
    await t.jobs.runDue('invoicing');
    const stuck = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    expect(stuck).toMatchObject({ ok: true, runId: first.runId, alreadyRunning: true });

    t.clock.set('2026-12-02T09:20:00Z');
    await housekeep(db(), t.clock);
    expect(await invoices.findRun(db(), townId, first.runId)).toMatchObject({
      status: 'failed',
      failure: 'La facturation s’est arrêtée sur une erreur technique. Relancez-la : les factures déjà émises ne seront pas refaites.',
    });
    const second = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    expect(second).toMatchObject({ ok: true, alreadyRunning: false });
    await t.jobs.runDue('invoicing');
    expect(await invoices.findRun(db(), townId, (second as { runId: string }).runId)).toMatchObject({ status: 'done', invoicesCreated: 1 });
    t.clock.set('2026-12-02T09:00:00Z');
  });

  it("answers not found for another town's régie", async () => {
    const { regieId } = await regieWithActivity('villennes');
    const bayeux = await town(db(), 'bayeux');
    await expect(startInvoicingRun(ctx, bayeux.id, actor, regieId, '2026-11')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a month that is not over', async () => {
    const { regieId, townId } = await regieWithActivity('bayeux');
    expect(await startInvoicingRun(ctx, townId, actor, regieId, '2026-12')).toEqual({
      ok: false,
      message: 'Ce mois n’est pas terminé : il pourra être facturé à partir du 1er du mois suivant.',
    });
    expect(await startInvoicingRun(ctx, townId, actor, regieId, '2026-13')).toEqual({
      ok: false,
      message: 'Choisissez un mois, par exemple 2026-11.',
    });
  });
});

describe('numbering and repeated runs', () => {
  it('numbers two régies run at the same time each from 1 without a gap', async () => {
    const a = await regieWithActivity('bayeux');
    const b = await regieWithActivity('bayeux');
    for (let i = 0; i < 7; i++) {
      await familyBooking('bayeux', a.activityId, ['2026-11-02', '2026-11-03']);
      await familyBooking('bayeux', b.activityId, ['2026-11-05']);
    }
    const [ra, rb] = await Promise.all([
      startInvoicingRun(ctx, a.townId, actor, a.regieId, '2026-11'),
      startInvoicingRun(ctx, b.townId, actor, b.regieId, '2026-11'),
    ]);
    if (!ra!.ok || !rb!.ok) throw new Error('runs not started');
    await Promise.all([runInvoicing(ctx, ra.runId, { batchSize: 2 }), runInvoicing(ctx, rb.runId, { batchSize: 3 })]);
    expect(seqs(await invoices.listMonthInvoices(db(), a.townId, a.regieId, '2026-11-01'))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seqs(await invoices.listMonthInvoices(db(), b.townId, b.regieId, '2026-11-01'))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("runs two towns at once, and another town's families never enter a run", async () => {
    const bayeux = await regieWithActivity('bayeux');
    const villennes = await regieWithActivity('villennes');
    const ours = [];
    for (let i = 0; i < 5; i++) {
      ours.push((await familyBooking('bayeux', bayeux.activityId, ['2026-11-02'])).familyId);
      await familyBooking('villennes', villennes.activityId, ['2026-11-02', '2026-11-03']);
    }
    // An activity of Villennes cannot be put in a régie of Bayeux.
    expect(await setActivityRegie(db(), bayeux.townId, villennes.activityId, bayeux.regieId)).toBe(false);
    expect(await setActivityRegie(db(), villennes.townId, villennes.activityId, bayeux.regieId)).toBe(false);

    const [rb, rv] = await Promise.all([
      startInvoicingRun(ctx, bayeux.townId, actor, bayeux.regieId, '2026-11'),
      startInvoicingRun(ctx, villennes.townId, actor, villennes.regieId, '2026-11'),
    ]);
    if (!rb!.ok || !rv!.ok) throw new Error('runs not started');
    await Promise.all([runInvoicing(ctx, rb.runId, { batchSize: 2 }), runInvoicing(ctx, rv.runId, { batchSize: 2 })]);
    const ofBayeux = await invoices.listMonthInvoices(db(), bayeux.townId, bayeux.regieId, '2026-11-01');
    expect(ofBayeux.map((i) => i.familyId).sort()).toEqual([...ours].sort());
    expect(ofBayeux.every((i) => i.totalCents === 380)).toBe(true);
    expect(seqs(ofBayeux)).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(await invoices.listMonthInvoices(db(), villennes.townId, villennes.regieId, '2026-11-01'))).toEqual([1, 2, 3, 4, 5]);
    // Read with the other town's id, a régie's month is empty, a run and an invoice are not found.
    expect(await invoices.listMonthInvoices(db(), villennes.townId, bayeux.regieId, '2026-11-01')).toEqual([]);
    expect(await invoices.findRun(db(), villennes.townId, rb.runId)).toBeUndefined();
    expect(await invoices.findInvoice(db(), villennes.townId, ofBayeux[0]!.id)).toBeUndefined();
  });

  it('starts one run when the month is asked twice at once, and a second worker on it doubles nothing', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux');
    for (let i = 0; i < 9; i++) await familyBooking('bayeux', activityId, ['2026-11-02']);
    const [first, second] = await Promise.all([
      startInvoicingRun(ctx, townId, actor, regieId, '2026-11'),
      startInvoicingRun(ctx, townId, actor, regieId, '2026-11'),
    ]);
    if (!first!.ok || !second!.ok) throw new Error('runs not started');
    expect(first.runId).toBe(second.runId);
    expect([first.alreadyRunning, second.alreadyRunning].sort()).toEqual([false, true]);
    // Two workers on the same run, the second taking it over at once (a lease of 0 s, as
    // after a worker that seemed dead): whoever loses stops, and the families are invoiced once.
    await Promise.all([
      runInvoicing(ctx, first.runId, { batchSize: 2, leaseSeconds: 0 }),
      runInvoicing(ctx, first.runId, { batchSize: 2, leaseSeconds: 0 }).catch(() => undefined),
    ]);
    await t.jobs.runDue('invoicing');
    const list = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    expect(seqs(list)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(list.map((i) => i.familyId)).size).toBe(9);
    expect(await invoices.findRun(db(), townId, first.runId)).toMatchObject({ status: 'done', invoicesCreated: 9 });
  });

  it('resumes with every family not yet invoiced, even one that became billable since with a lower id', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux');
    const made: Awaited<ReturnType<typeof familyBooking>>[] = [];
    for (let i = 0; i < 4; i++) made.push(await familyBooking('bayeux', activityId, []));
    // Families come in id order: the first one only becomes billable after the run has begun.
    const [late, ...early] = made.sort((a, b) => a.familyId.localeCompare(b.familyId));
    const book = (f: (typeof made)[number]) =>
      createReservation(db(), 'bayeux', {
        activityId,
        enrolmentId: f.enrolmentId,
        childId: f.childId,
        day: '2026-11-02',
        status: 'booked',
      });
    for (const f of early) await book(f);

    const started = await startInvoicingRun(ctx, townId, actor, regieId, '2026-11');
    if (!started.ok) throw new Error(started.message);
    // The first attempt commits its first batch (two families), then fails on the second.
    await db().query(`create function test_refuse_invoice() returns trigger language plpgsql as $$
      begin if new.family_id = '${early[2]!.familyId}' then raise exception 'worker died'; end if; return new; end $$`);
    await db().query(`create trigger test_refuse_invoice before insert on invoices for each row execute function test_refuse_invoice()`);
    try {
      await expect(runInvoicing(ctx, started.runId, { batchSize: 2, leaseSeconds: 0 })).rejects.toThrow('worker died');
    } finally {
      await db().query(`drop trigger test_refuse_invoice on invoices; drop function test_refuse_invoice()`);
    }
    expect(await invoices.findRun(db(), townId, started.runId)).toMatchObject({
      status: 'running',
      processedFamilies: 2,
      invoicesCreated: 2,
    });

    // An attendance sheet entered meanwhile makes the lowest-id family billable: the retry invoices it too.
    await book(late!);
    await runInvoicing(ctx, started.runId, { batchSize: 2 });
    const list = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    expect(list.map((i) => i.familyId).sort()).toEqual(made.map((f) => f.familyId));
    expect(seqs(list)).toEqual([1, 2, 3, 4]);
    expect(await invoices.findRun(db(), townId, started.runId)).toMatchObject({
      status: 'done',
      totalFamilies: 4,
      processedFamilies: 4,
      invoicesCreated: 4,
      familiesSkipped: 0,
    });
  });

  it('creates nothing when the month is run again, and numbers the new families after the others', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux');
    for (let i = 0; i < 3; i++) await familyBooking('bayeux', activityId, ['2026-11-02']);
    expect(await invoiceMonth(townId, regieId)).toMatchObject({ status: 'done', invoicesCreated: 3 });
    const again = await invoiceMonth(townId, regieId);
    expect(again).toMatchObject({ status: 'done', invoicesCreated: 0, familiesSkipped: 3, processedFamilies: 3 });
    const late = await familyBooking('bayeux', activityId, ['2026-11-03']);
    expect(await invoiceMonth(townId, regieId)).toMatchObject({ invoicesCreated: 1, familiesSkipped: 3 });
    const list = await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01');
    expect(seqs(list)).toEqual([1, 2, 3, 4]);
    expect(list.find((i) => i.familyId === late.familyId)!.numberSeq).toBe(4);
  });
});

describe('issued invoices and credit notes', () => {
  it('never changes an issued invoice: a credit note corrects it, with its own number, within what remains', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux');
    const { familyId } = await familyBooking('bayeux', activityId, ['2026-11-02', '2026-11-03']);
    await invoiceMonth(townId, regieId);
    const [invoice] = await invoices.listFamilyInvoices(db(), townId, familyId, null);
    await expect(db().query('update invoices set total_cents = 0 where id = $1', [invoice!.id])).rejects.toThrow(/cannot be changed/);
    await expect(db().query('update invoice_lines set amount_cents = 0 where invoice_id = $1', [invoice!.id])).rejects.toThrow(
      /cannot be changed/,
    );
    await expect(db().query('delete from invoices where id = $1', [invoice!.id])).rejects.toThrow(/cannot be deleted/);
    await expect(db().query('delete from families where id = $1', [familyId])).rejects.toThrow(/foreign key/);

    const note = await createCreditNote(ctx, townId, actor, invoice!.id, {
      amountCents: 380,
      reason: 'Repas du 3 novembre facturé à tort',
    });
    expect(note).toMatchObject({ ok: true });
    if (!note.ok) return;
    expect(note.number).toMatch(/^AV-R[0-9]+-2026-000001$/);
    expect(await createCreditNote(ctx, townId, actor, invoice!.id, { amountCents: 381, reason: 'Trop' })).toEqual({
      ok: false,
      message: 'L’avoir ne peut pas dépasser ce qui reste de la facture (3,80\u202f€).',
    });
    expect(await createCreditNote(ctx, townId, actor, invoice!.id, { amountCents: 100, reason: '  ' })).toEqual({
      ok: false,
      message: 'Indiquez le motif de l’avoir.',
    });
    const after = await invoices.findInvoice(db(), townId, invoice!.id);
    expect(after).toMatchObject({ totalCents: 760, creditsCents: 380 });
    const { rows } = await db().query<{ details: { creditNote: string } }>(
      `select details from audit_log where town_id = $1 and action = 'credit_note.create' and target_id = $2`,
      [townId, invoice!.id],
    );
    expect(rows.map((r) => r.details.creditNote)).toEqual([note.number]);
    // Another town cannot credit it.
    const villennes = await town(db(), 'villennes');
    await expect(createCreditNote(ctx, villennes.id, actor, invoice!.id, { amountCents: 1, reason: 'x' })).rejects.toThrow();
  });
});

describe('separated parents', () => {
  it('invoices each parent for the days they booked, and each sees only their own invoice', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux');
    const family = await createFamily(db(), 'bayeux', { name: 'DURAND' });
    const payer = await createAdult(db(), 'bayeux', family.id, { firstNames: 'Claire', lastName: 'Durand' });
    await setPayer(db(), 'bayeux', family.id, { payerAdultId: payer, splitInvoicing: true });
    const mother = await createParent(db(), 'bayeux', { familyId: family.id, firstNames: 'Claire', lastName: 'Durand' });
    const father = await createParent(db(), 'bayeux', { familyId: family.id, firstNames: 'Paul', lastName: 'Durand' });
    const childId = await createChild(db(), 'bayeux', family.id);
    const enrolmentId = await createEnrolment(db(), 'bayeux', { activityId, childId });
    await createQuotient(db(), 'bayeux', { familyId: family.id, qf: 1200 });
    for (const [account, days] of [
      [mother, ['2026-11-02', '2026-11-03']],
      [father, ['2026-11-05']],
    ] as const) {
      const submissionId = await createSubmission(db(), 'bayeux', { familyId: family.id, accountId: account.id, activityId });
      for (const day of days)
        await createReservation(db(), 'bayeux', { activityId, enrolmentId, childId, day, status: 'booked', submissionId });
    }
    // A walk-in: nobody booked it, the family's payer is invoiced.
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-06', present: true, reserved: false });

    await invoiceMonth(townId, regieId);
    const seenByMother = await invoices.listFamilyInvoices(db(), townId, family.id, mother.id);
    const seenByFather = await invoices.listFamilyInvoices(db(), townId, family.id, father.id);
    expect(seenByMother.map((i) => [i.payerName, i.totalCents]).sort()).toEqual([
      ['Claire DURAND', 494],
      ['Claire DURAND', 760],
    ]);
    expect(seenByFather.map((i) => [i.payerName, i.totalCents]).sort()).toEqual([
      ['Claire DURAND', 494],
      ['Paul DURAND', 380],
    ]);
    expect(seqs(await invoices.listMonthInvoices(db(), townId, regieId, '2026-11-01'))).toEqual([1, 2, 3]);
  });
});

describe("the recap's price", () => {
  it('equals what the invoice bills for the same days', async () => {
    const { regieId, townId, activityId } = await regieWithActivity('bayeux', { sibling2ReductionBp: 1000 });
    const family = await createFamily(db(), 'bayeux', { name: 'PETIT' });
    await createQuotient(db(), 'bayeux', { familyId: family.id, qf: 2100 });
    await createQuotient(db(), 'bayeux', { familyId: family.id, qf: 1200, effectiveFrom: '2026-11-16' });
    const emma = await createChild(db(), 'bayeux', family.id, { birthDate: '2017-01-01' });
    const lucas = await createChild(db(), 'bayeux', family.id, { firstNames: 'Lucas', birthDate: '2019-01-01' });
    const enrolments = {
      [emma]: await createEnrolment(db(), 'bayeux', { activityId, childId: emma }),
      [lucas]: await createEnrolment(db(), 'bayeux', { activityId, childId: lucas }),
    };
    const draft = {
      activityId,
      children: [
        { childId: emma, added: ['2026-11-12', '2026-11-13', '2026-11-16'], cancelled: [] },
        { childId: lucas, added: ['2026-11-13', '2026-11-17'], cancelled: [] },
      ],
    };
    const recap = await priceDraft(ctx, townId, family.id, draft);
    // Emma: 4,80 + 4,80 + 3,80; Lucas: (4,80 + 3,80) less 10 % = 4,32 + 3,42.
    expect(recap.map((r) => [r.childId, r.addedCents])).toEqual([
      [emma, 1340],
      [lucas, 774],
    ]);

    // The parent validates, the child comes on every day booked, the month is invoiced.
    for (const c of draft.children) {
      for (const day of c.added) {
        await createReservation(db(), 'bayeux', {
          activityId,
          enrolmentId: enrolments[c.childId]!,
          childId: c.childId,
          day,
          status: 'booked',
        });
        await createAttendance(db(), 'bayeux', {
          activityId,
          enrolmentId: enrolments[c.childId]!,
          childId: c.childId,
          day,
          present: true,
          reserved: true,
        });
      }
    }
    await invoiceMonth(townId, regieId);
    const [invoice] = await invoices.listFamilyInvoices(db(), townId, family.id, null);
    const lines = await invoices.listInvoiceLines(db(), townId, invoice!.id);
    for (const r of recap) {
      expect(lines.filter((l) => l.childId === r.childId).reduce((s, l) => s + l.amountCents, 0)).toBe(r.addedCents);
    }
    expect(invoice!.totalCents).toBe(1340 + 774);
  });
});
