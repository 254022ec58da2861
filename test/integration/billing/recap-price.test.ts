import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startInvoicingRun } from '../../../src/features/billing/invoicing.service.js';
import { formatEuros } from '../../../src/lib/format.js';
import * as invoices from '../../../src/repositories/billing-invoices.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  createAttendance,
  createQuotient,
  createRegie,
  createReservation,
  createTariff,
  setBillingSettings,
  town,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { createActivity, enrolledFamily, prepareBooking } from '../reservations/helpers.js';

/**
 * The price before VALIDER: the reservation recap shows, per child, the days added and
 * their price, the days cancelled in time (not billed) and the net, at today's tariff and QF;
 * once the month is invoiced, the invoice bills exactly what the recap said for those days.
 */

const SLUG = 'tarnos';
// Monday 2 November 2026; changes close the day before.
const NOW = '2026-11-02T08:00:00Z';
const DAY_BEFORE = { kind: 'days_before', days: 1, calendar: 'calendar' } as const;

let t: TestApp;
const db = () => t.db.pool;

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set(NOW);
});

/** The recap's price section of the child's panel, as the parent reads it. */
function priceOf(recap: { text: string }) {
  const p = page(recap);
  return { text: p.text('.recap-price'), dd: (term: string) => p.dd(term) };
}

describe('the recap’s price', () => {
  it('shows the days added, the days cancelled in time and the net, and the invoice bills the same', async () => {
    const activityId = await createActivity(db(), SLUG, { name: 'Cantine facturée', rule: DAY_BEFORE });
    const regieId = await createRegie(db(), SLUG, { activityIds: [activityId] });
    // Talloires' brackets: QF 1 200 € → 3,80 € a meal.
    await createTariff(db(), SLUG, activityId);
    const f = await enrolledFamily(db(), () => t.agent(), SLUG, activityId, 'FACTURE');
    await createQuotient(db(), SLUG, { familyId: f.familyId, qf: 1200 });
    // Already booked: Thursday 19 and Friday 20 November.
    for (const day of ['2026-11-19', '2026-11-20']) {
      await createReservation(db(), SLUG, { activityId, enrolmentId: f.enrolmentId, childId: f.childId, day, status: 'booked' });
    }

    const added = ['2026-11-12', '2026-11-13', '2026-11-16', '2026-11-17'];
    const booking = await prepareBooking(f.agent, SLUG, f.childId, f.enrolmentId, added, ['2026-11-19']);
    expect(booking.recap.status).toBe(200);
    const price = priceOf(booking.recap);
    expect(price.text).toContain('Prix de ces changements');
    expect(price.dd('Jours ajoutés')).toBe(`4 jours × ${formatEuros(380)} : ${formatEuros(1520)}`);
    expect(price.dd('Jours annulés dans les délais, non facturés')).toBe(`1 jour × ${formatEuros(380)} : ${formatEuros(380)} en moins`);
    expect(price.dd('Total')).toBe(`${formatEuros(1140)} de plus sur vos factures`);
    expect(price.text).toContain("Au tarif et au quotient familial enregistrés aujourd'hui");

    const validated = await f.agent.post(booking.path).type('form').send(booking.fields);
    expect(validated.status).toBe(303);

    // The child comes on every day booked; the month is invoiced on 2 December.
    for (const day of [...added, '2026-11-20']) {
      await createAttendance(db(), SLUG, {
        activityId,
        enrolmentId: f.enrolmentId,
        childId: f.childId,
        day,
        present: true,
        reserved: true,
      });
    }
    t.clock.set('2026-12-02T09:00:00Z');
    const townId = (await town(db(), SLUG)).id;
    const started = await startInvoicingRun(
      { pool: db(), clock: t.clock, config: t.config },
      townId,
      { agentId: null, actorLabel: 'Agent de test', ip: null },
      regieId,
      '2026-11',
    );
    if (!started.ok) throw new Error(started.message);
    await t.jobs.runDue('invoicing');
    const [invoice] = await invoices.listFamilyInvoices(db(), townId, f.familyId, null);
    const lines = await invoices.listInvoiceLines(db(), townId, invoice!.id);
    // The days the recap priced cost on the invoice what the recap said; the day cancelled is not on it.
    const addedOnInvoice = lines.filter((l) => added.includes(l.day)).reduce((s, l) => s + l.amountCents, 0);
    expect(price.dd('Jours ajoutés')).toContain(`: ${formatEuros(addedOnInvoice)}`);
    expect(lines.map((l) => l.day)).not.toContain('2026-11-19');
    expect(invoice!.totalCents).toBe(addedOnInvoice + 380);
  });

  it('promises nothing "en moins" for unticking a waiting-list day or a booking not confirmed yet: neither is billed', async () => {
    const activityId = await createActivity(db(), SLUG, { name: 'Cantine en attente', rule: DAY_BEFORE });
    await createRegie(db(), SLUG, { activityIds: [activityId] });
    await createTariff(db(), SLUG, activityId);
    const f = await enrolledFamily(db(), () => t.agent(), SLUG, activityId, 'ATTENTE');
    await createQuotient(db(), SLUG, { familyId: f.familyId, qf: 1200 });
    const booking = { activityId, enrolmentId: f.enrolmentId, childId: f.childId };
    await createReservation(db(), SLUG, { ...booking, day: '2026-11-19', status: 'waiting' });
    await createReservation(db(), SLUG, { ...booking, day: '2026-11-20', status: 'booked', confirmed: false });
    await createReservation(db(), SLUG, { ...booking, day: '2026-11-23', status: 'booked' });

    const unticked = await prepareBooking(f.agent, SLUG, f.childId, f.enrolmentId, [], ['2026-11-19', '2026-11-20']);
    expect(unticked.recap.status).toBe(200);
    const price = priceOf(unticked.recap);
    expect(price.text).not.toContain('en moins');
    expect(price.text).not.toContain('Jours annulés dans les délais');

    // The confirmed booking alongside them is the only one the family stops paying for.
    const withBooked = await prepareBooking(f.agent, SLUG, f.childId, f.enrolmentId, [], ['2026-11-19', '2026-11-23']);
    expect(priceOf(withBooked.recap).dd('Jours annulés dans les délais, non facturés')).toBe(
      `1 jour × ${formatEuros(380)} : ${formatEuros(380)} en moins`,
    );
  });

  it('says "Tarif non communiqué" rather than 0 when no tariff is in force', async () => {
    const activityId = await createActivity(db(), SLUG, { name: 'Cantine sans tarif', rule: DAY_BEFORE });
    const f = await enrolledFamily(db(), () => t.agent(), SLUG, activityId, 'SANSTARIF');
    const booking = await prepareBooking(f.agent, SLUG, f.childId, f.enrolmentId, ['2026-11-12']);
    const price = priceOf(booking.recap);
    expect(price.text).toContain('Tarif non communiqué');
    expect(price.text).not.toContain(formatEuros(0));
  });

  it('states the town’s own surcharge for a day attended without a booking, and none when it has none', async () => {
    const activityId = await createActivity(db(), SLUG, { name: 'Cantine à majoration', rule: DAY_BEFORE });
    await createTariff(db(), SLUG, activityId);
    const f = await enrolledFamily(db(), () => t.agent(), SLUG, activityId, 'MAJORATION');
    const hint = async () => {
      const booking = await prepareBooking(f.agent, SLUG, f.childId, f.enrolmentId, ['2026-11-12']);
      return page(booking.recap)
        .texts('main p.hint')
        .find((p) => p.startsWith('Chaque réservation est facturée'));
    };
    try {
      await setBillingSettings(db(), SLUG, { unreservedSurchargeBp: 2500 });
      expect(await hint()).toBe('Chaque réservation est facturée ; sans réservation, la facturation est majorée de 25\u00a0%.');
      await setBillingSettings(db(), SLUG, { unreservedSurchargeBp: 0 });
      expect(await hint()).toBe('Chaque réservation est facturée.');
    } finally {
      await setBillingSettings(db(), SLUG, { unreservedSurchargeBp: 3000 });
    }
  });
});
