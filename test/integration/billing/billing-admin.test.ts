import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  familyInvoice,
  familyInvoices,
  monthExportCsv,
  recordQuotient,
  recordTariff,
  updateBillingSettings,
} from '../../../src/features/billing/billing.service.js';
import { createCreditNote, startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import { NotFoundError } from '../../../src/lib/errors.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { listQuotients, listTariffs } from '../../../src/repositories/billing-tariffs.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  createActivity,
  createAttendance,
  createChild,
  createEnrolment,
  createFamily,
  createParent,
  createRegie,
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
let bayeux: string;
let villennes: string;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
  bayeux = (await town(t.db.pool, 'bayeux')).id;
  villennes = (await town(t.db.pool, 'villennes')).id;
});
afterAll(async () => {
  await t.close();
});

const db = () => t.db.pool;

const effort = {
  schoolYear: '2026-2027',
  effectiveFrom: '2026-09-01',
  model: 'effort' as const,
  effortRatePpm: 3600,
  effortFloorCents: 260,
  effortCeilingCents: 450,
  nonResidentPriceCents: null,
  sibling2ReductionBp: 0,
  sibling3ReductionBp: 0,
  category: 'garde' as const,
  createdBy: null,
};

async function auditCount(action: string, targetId: string): Promise<number> {
  const { rows } = await db().query<{ n: number }>(`select count(*)::int as n from audit_log where action = $1 and target_id = $2`, [
    action,
    targetId,
  ]);
  return rows[0]!.n;
}

describe('tariffs', () => {
  it('records a version of a tariff, audited, and refuses a second one on the same date', async () => {
    const activityId = await createActivity(db(), 'bayeux');
    const recorded = await recordTariff(ctx, bayeux, actor, { ...effort, activityId });
    if (!recorded.ok) throw new Error(recorded.errors.join());
    expect(await auditCount('tariff.create', recorded.value)).toBe(1);
    expect((await listTariffs(db(), bayeux, [activityId])).get(activityId)).toEqual([
      {
        id: recorded.value,
        activityId,
        effectiveFrom: '2026-09-01',
        model: 'effort',
        effortRatePpm: 3600,
        effortFloorCents: 260,
        effortCeilingCents: 450,
        nonResidentPriceCents: null,
        sibling2ReductionBp: 0,
        sibling3ReductionBp: 0,
        category: 'garde',
      },
    ]);
    expect(await recordTariff(ctx, bayeux, actor, { ...effort, activityId })).toEqual({
      ok: false,
      errors: ['Un tarif de cette activité prend déjà effet à cette date.'],
    });
  });

  it('says in French what is wrong, and records nothing', async () => {
    const activityId = await createActivity(db(), 'bayeux');
    expect(
      await recordTariff(ctx, bayeux, actor, {
        ...effort,
        activityId,
        schoolYear: '2026-2028',
        effectiveFrom: '2026-02-30',
        effortFloorCents: 500,
      }),
    ).toEqual({
      ok: false,
      errors: [
        'Indiquez la date d’effet du tarif.',
        'Indiquez l’année scolaire, par exemple 2026-2027.',
        'Le plancher ne peut pas dépasser le plafond.',
      ],
    });
    expect((await listTariffs(db(), bayeux, [activityId])).size).toBe(0);
  });

  it("answers not found for another town's activity", async () => {
    const activityId = await createActivity(db(), 'villennes');
    await expect(recordTariff(ctx, bayeux, actor, { ...effort, activityId })).rejects.toBeInstanceOf(NotFoundError);
    expect((await listTariffs(db(), villennes, [activityId])).size).toBe(0);
  });
});

describe('quotients familiaux', () => {
  it('records a QF with its date of effect, audited; the same date replaces it', async () => {
    const family = await createFamily(db(), 'bayeux');
    expect(await recordQuotient(ctx, bayeux, actor, { familyId: family.id, qf: 950, effectiveFrom: '2026-09-01', source: 'caf' })).toEqual({
      ok: true,
      value: undefined,
    });
    await recordQuotient(ctx, bayeux, actor, { familyId: family.id, qf: 990, effectiveFrom: '2026-09-01', source: 'agent' });
    await recordQuotient(ctx, bayeux, actor, { familyId: family.id, qf: 1200, effectiveFrom: '2027-01-01', source: 'parent_declaration' });
    expect((await listQuotients(db(), bayeux, [family.id])).get(family.id)).toEqual([
      { qf: 990, effectiveFrom: '2026-09-01' },
      { qf: 1200, effectiveFrom: '2027-01-01' },
    ]);
    expect(await auditCount('quotient.record', family.id)).toBe(3);
  });

  it('refuses a QF that is not a whole number of euros, and answers not found for another town', async () => {
    const family = await createFamily(db(), 'bayeux');
    expect(await recordQuotient(ctx, bayeux, actor, { familyId: family.id, qf: 12.5, effectiveFrom: '', source: 'agent' })).toEqual({
      ok: false,
      errors: ['Le quotient familial est un nombre entier d’euros, de 0 à 100 000.', 'Indiquez la date d’effet du quotient familial.'],
    });
    await expect(
      recordQuotient(ctx, villennes, actor, { familyId: family.id, qf: 900, effectiveFrom: '2026-09-01', source: 'agent' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('an invoice as a parent opens it', () => {
  it("is found for its family only: 404 for another family's, another town's and the other separated parent's", async () => {
    const activityId = await createActivity(db(), 'bayeux');
    const regieId = await createRegie(db(), 'bayeux', { activityIds: [activityId] });
    await createTariff(db(), 'bayeux', activityId);
    // 50 % more for walk-ins in this town from now on.
    expect(
      await updateBillingSettings(ctx, bayeux, actor, { unreservedSurchargeBp: 5000, invoiceDueDay: 20, residentPostalCodes: ['14400'] }),
    ).toEqual({
      ok: true,
      value: undefined,
    });
    const family = await createFamily(db(), 'bayeux', { postalCode: '14400' });
    await setPayer(db(), 'bayeux', family.id, { splitInvoicing: true });
    const mother = await createParent(db(), 'bayeux', { familyId: family.id });
    const father = await createParent(db(), 'bayeux', { familyId: family.id });
    const childId = await createChild(db(), 'bayeux', family.id);
    const enrolmentId = await createEnrolment(db(), 'bayeux', { activityId, childId });
    const submissionId = await createSubmission(db(), 'bayeux', { familyId: family.id, accountId: mother.id, activityId });
    await createReservation(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-02', status: 'booked', submissionId });
    await createAttendance(db(), 'bayeux', { activityId, enrolmentId, childId, day: '2026-11-03', present: true, reserved: false });
    const other = await createFamily(db(), 'bayeux');

    const started = await startInvoicingRun(ctx, bayeux, actor, regieId, '2026-11');
    if (!started.ok) throw new Error(started.message);
    await t.jobs.runDue('invoicing');
    const [mine] = await familyInvoices(ctx, bayeux, { familyId: family.id, accountId: mother.id });
    const ofMother = mine!.invoice;
    // No QF on file: the highest bracket, 4,80 €.
    expect(mine).toMatchObject({ status: 'a_payer', dueCents: 480, invoice: { dueOn: '2026-12-20', totalCents: 480 } });
    const walkIn = (await familyInvoices(ctx, bayeux, { familyId: family.id, accountId: father.id })).map((v) => v.invoice);
    // The father sees the walk-in (nobody booked it: the family's invoice), 4,80 € + 50 %.
    expect(walkIn.map((i) => i.totalCents)).toEqual([720]);

    const view = await familyInvoice(ctx, bayeux, { familyId: family.id, accountId: mother.id }, ofMother.id);
    expect(view.lines.map((l) => [l.day, l.kind, l.amountCents])).toEqual([['2026-11-02', 'reserved', 480]]);
    for (const viewer of [
      { familyId: family.id, accountId: father.id },
      { familyId: other.id, accountId: mother.id },
    ]) {
      await expect(familyInvoice(ctx, bayeux, viewer, ofMother.id)).rejects.toBeInstanceOf(NotFoundError);
    }
    await expect(familyInvoice(ctx, villennes, { familyId: family.id, accountId: mother.id }, ofMother.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );

    // Late, then settled by a credit note.
    t.clock.set('2026-12-21T09:00:00Z');
    expect((await familyInvoice(ctx, bayeux, { familyId: family.id, accountId: mother.id }, ofMother.id)).status).toBe('en_retard');
    await createCreditNote(ctx, bayeux, actor, ofMother.id, { amountCents: 480, reason: 'Sortie scolaire : repas fourni par l’école' });
    expect(await familyInvoice(ctx, bayeux, { familyId: family.id, accountId: mother.id }, ofMother.id)).toMatchObject({
      status: 'payee',
      dueCents: 0,
      creditNotes: [{ amountCents: 480, reason: 'Sortie scolaire : repas fourni par l’école' }],
    });
    expect(await invoices.findInvoice(db(), bayeux, ofMother.id)).toMatchObject({ totalCents: 480, creditsCents: 480 });
    t.clock.set('2026-12-02T09:00:00Z');

    // The accounting's CSV of December: both invoices, then the credit note.
    const csv = (await monthExportCsv(ctx, bayeux, regieId, '2026-12'))!.split('\r\n');
    expect(csv.slice(1, 3).map((row) => row.split(';').slice(0, 8))).toEqual(
      [ofMother, walkIn[0]!]
        .sort((a, b) => a.numberSeq - b.numberSeq)
        .map((i) => ['Facture', i.number, '02/12/2026', '20/12/2026', i.payerName, '2026-11', '', i.totalCents === 480 ? '4,80' : '7,20']),
    );
    expect(csv[3]!.split(';')).toEqual([
      'Avoir',
      `AV-${ofMother.number.replace(/-[0-9]{6}$/, '-000001')}`,
      '21/12/2026',
      '',
      ofMother.payerName,
      '',
      ofMother.number,
      '-4,80',
      'Sortie scolaire : repas fourni par l’école',
    ]);
    expect(await monthExportCsv(ctx, bayeux, regieId, '2026-11')).toBe(
      '\ufeffType;Numéro;Date;Échéance;Payeur;Mois facturé;Facture corrigée;Montant (€);Motif\r\n',
    );
    expect(await monthExportCsv(ctx, bayeux, regieId, 'décembre')).toBeUndefined();
    await expect(monthExportCsv(ctx, villennes, regieId, '2026-12')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses settings out of range', async () => {
    expect(
      await updateBillingSettings(ctx, bayeux, actor, { unreservedSurchargeBp: -1, invoiceDueDay: 31, residentPostalCodes: ['1440'] }),
    ).toEqual({
      ok: false,
      errors: ['La majoration va de 0 à 1 000 %.', 'Le jour d’échéance va du 1er au 28.', 'Un code postal a cinq chiffres.'],
    });
  });
});
