import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signMandate } from '../../../src/features/direct-debit/direct-debit.service.js';
import { sendDueReminders } from '../../../src/features/reminders/reminders.service.js';
import { sendReminders as sendRenewalReminders } from '../../../src/features/renewal/renewal.service.js';
import { saveSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { savePreferences } from '../../../src/repositories/reminders.repository.js';
import { insertCampaign } from '../../../src/repositories/renewal.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createActivity, createEnrolment, createParent, createReservation, payInvoice, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { bookedFamily, invoiceMonth, invoicesOf, regieWithActivity, serviceContext } from '../billing/parent-billing.js';
import { createFamily, postForm, signedInFamily } from '../requests/helpers.js';

/**
 * Reminders (issue 17): a daily job mails, once, the families whose enrolled child has
 * nothing booked in the month whose booking deadline comes within three days, and those with
 * an unpaid invoice due within three days that no mandate covers; each kind can be switched
 * off in Mon compte › Rappels par courriel (the renewal campaign's reminders too).
 */

let t: TestApp;
const db = () => t.db.pool;
const ON = { bookings: true, dossiers: true, invoices: true };

const mailsTo = async (to: string, like: string) =>
  (
    await db().query<{ subject: string }>(`select subject from mail_outbox where to_address = $1 and subject like $2 order by created_at`, [
      to,
      like,
    ])
  ).rows.map((r) => r.subject);

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

describe('booking deadlines', () => {
  it("reminds a child's parents once when the month's first deadline is three days away and nothing is booked", async () => {
    // Tarnos: booking closes 7 calendar days before; weekdays all year round.
    const activityId = await createActivity(db(), 'tarnos', {
      name: 'Accueil du soir',
      startDate: '2026-09-01',
      endDate: '2027-07-02',
      weekdays: [1, 2, 3, 4, 5],
      runsDuring: 'all',
      bookingRule: { kind: 'days_before', days: 7, calendar: 'calendar' },
    });
    const enrolled = async (name: string) => {
      const f = await createFamily(db(), 'tarnos', name, 'Léo');
      const parent = await createParent(db(), 'tarnos', { familyId: f.familyId, lastName: name });
      const enrolmentId = await createEnrolment(db(), 'tarnos', { activityId, childId: f.childId });
      return { ...f, parent, enrolmentId };
    };
    const nothing = await enrolled('RIENRESERVE');
    const booked = await enrolled('DEJARESERVE');
    await createReservation(db(), 'tarnos', {
      activityId,
      enrolmentId: booked.enrolmentId,
      childId: booked.childId,
      day: '2027-02-10',
      status: 'booked',
    });
    const off = await enrolled('SANSRAPPEL');
    await savePreferences(db(), off.parent.id, { ...ON, bookings: false }, new Date());
    // Same name in another town, not enrolled: its account is never written to.
    const elsewhere = await createFamily(db(), 'villennes', 'RIENRESERVE');
    const elsewhereParent = await createParent(db(), 'villennes', { familyId: elsewhere.familyId, lastName: 'RIENRESERVE' });

    const ctx = serviceContext(t);
    // Thursday 21 January: the last days of January close within three days (Monday 1 February closes on the 25th, later).
    t.clock.set('2027-01-21T07:00:00Z');
    await sendDueReminders(ctx);
    expect(await mailsTo(nothing.parent.email, 'Réservations%')).toEqual(['Réservations de janvier 2027 : date limite proche']);

    // Saturday 23 January: Monday 1 February (the first day of February) closes within three days.
    t.clock.set('2027-01-23T07:00:00Z');
    await sendDueReminders(ctx);
    await sendDueReminders(ctx); // run twice: still one mail
    t.clock.set('2027-01-24T07:00:00Z'); // the next day: February was already reminded
    await sendDueReminders(ctx);
    expect(await mailsTo(nothing.parent.email, 'Réservations%février%')).toEqual(['Réservations de février 2027 : date limite proche']);
    expect(await mailsTo(booked.parent.email, 'Réservations%février%')).toEqual([]);
    expect(await mailsTo(off.parent.email, 'Réservations%')).toEqual([]);
    expect(await mailsTo(elsewhereParent.email, '%')).toEqual([]);

    const { rows } = await db().query<{ text_body: string }>(
      `select text_body from mail_outbox where to_address = $1 and subject like 'Réservations%février%'`,
      [nothing.parent.email],
    );
    expect(rows[0]!.text_body).toContain(urls.reservationGrid('tarnos', nothing.childId, nothing.enrolmentId, { mois: '2027-02' }));
    const sent = await db().query(`select kind, period from sent_reminders where account_id = $1 order by period`, [nothing.parent.id]);
    expect(sent.rows).toEqual([
      { kind: 'booking', period: '2027-01' },
      { kind: 'booking', period: '2027-02' },
    ]);
    t.clock.set('2026-12-02T09:00:00Z');
  });
});

describe('invoice due dates', () => {
  it('reminds an unpaid invoice three days before it is due, never a paid one nor one a mandate debits', async () => {
    const bayeux = await town(db(), 'bayeux');
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
    const { activityId, regieId } = await regieWithActivity(t, 'bayeux');
    const book = (name: string) => bookedFamily(t, 'bayeux', activityId, { name, present: ['2026-11-02'] });
    const unpaid = await book('IMPAYEE');
    const paid = await book('PAYEE');
    const mandated = await book('PRELEVEE');
    const off = await book('SANSFACTURE');
    // November is invoiced on 2 December, due on the 15th.
    await invoiceMonth(t, bayeux.id, regieId, '2026-11');
    const [paidInvoice] = await invoicesOf(t, bayeux.id, paid.familyId);
    await payInvoice(db(), 'bayeux', paidInvoice!.id, new Date());
    await signMandate(serviceContext(t), bayeux, mandated.parent, {
      iban: 'FR7630006000011234567890189',
      bic: null,
      adresse: '1 rue Haute, 14400 Bayeux',
      lieu: 'Bayeux',
      consentement: 'oui',
      titulaire: 'Paul Prelevee',
    });
    await savePreferences(db(), off.parent.id, { ...ON, invoices: false }, new Date());
    const [invoice] = await invoicesOf(t, bayeux.id, unpaid.familyId);

    const ctx = serviceContext(t);
    t.clock.set('2026-12-11T07:00:00Z'); // four days before: not yet
    await sendDueReminders(ctx);
    expect(await mailsTo(unpaid.parent.email, 'Facture%')).toEqual([]);
    t.clock.set('2026-12-12T07:00:00Z');
    // The daily cron task as pg-boss runs it, then a second run the same day.
    await t.jobs.boss.send('reminders', {});
    expect(await t.jobs.runDue('reminders')).toBe(1);
    await sendDueReminders(ctx);
    t.clock.set('2026-12-13T07:00:00Z');
    await sendDueReminders(ctx);
    expect(await mailsTo(unpaid.parent.email, 'Facture%')).toEqual([`Facture ${invoice!.number} à payer avant le 15/12/2026`]);
    for (const f of [paid, mandated, off]) expect(await mailsTo(f.parent.email, 'Facture%')).toEqual([]);
    const { rows } = await db().query<{ text_body: string }>(
      `select text_body from mail_outbox where to_address = $1 and subject like 'Facture%'`,
      [unpaid.parent.email],
    );
    expect(rows[0]!.text_body).toContain(`est à payer au plus tard le mardi 15 décembre`);
    expect(rows[0]!.text_body).toContain(urls.invoice('bayeux', invoice!.id));
    t.clock.set('2026-12-02T09:00:00Z');
  });
});

describe('dossier reminders', () => {
  it('the renewal campaign does not remind an account that switched them off', async () => {
    const tarnos = await town(db(), 'tarnos');
    await insertCampaign(
      db(),
      tarnos.id,
      {
        title: 'Rentrée 2027',
        yearStart: '2027-09-01',
        yearEnd: '2028-07-07',
        opensOn: '2027-05-01',
        closesOn: '2027-06-17',
        requiredKinds: [],
        reminderDays: [7],
        activityIds: [],
      },
      new Date(),
    );
    const activityId = await createActivity(db(), 'tarnos', { name: 'Cantine 2026' });
    const family = async (name: string) => {
      const f = await createFamily(db(), 'tarnos', name, 'Léa');
      const parent = await createParent(db(), 'tarnos', { familyId: f.familyId, lastName: name });
      await createEnrolment(db(), 'tarnos', { activityId, childId: f.childId });
      return parent;
    };
    const on = await family('DOSSIERON');
    const off = await family('DOSSIEROFF');
    await savePreferences(db(), off.id, { ...ON, dossiers: false }, new Date());
    t.clock.set('2027-06-10T06:00:00Z');
    await sendRenewalReminders(serviceContext(t));
    expect(await mailsTo(on.email, 'Renouvellement%')).toHaveLength(1);
    expect(await mailsTo(off.email, 'Renouvellement%')).toEqual([]);
    t.clock.set('2026-12-02T09:00:00Z');
  });
});

describe('Mon compte › Rappels par courriel', () => {
  it('shows every reminder on by default, saves what is ticked, and refuses a form without its token', async () => {
    const agent = t.agent();
    const f = await signedInFamily(db(), agent, 'tarnos', 'PREFERENCES');
    const account = page(await agent.get(urls.myAccount('tarnos')));
    expect(account.links().map((l) => l.text)).toContain('Rappels par courriel');
    const form = page(await agent.get(urls.reminderPreferences('tarnos')));
    expect(form.one('fieldset legend').text()).toBe('Je souhaite recevoir un rappel pour :');
    expect(form.checked('rappels')).toEqual(['bookings', 'dossiers', 'invoices']);

    const saved = await postForm(agent, urls.reminderPreferences('tarnos'), urls.reminderPreferences('tarnos'), {
      rappels: ['invoices', 'forged'],
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(urls.myAccount('tarnos'));
    expect(page(await agent.get(urls.reminderPreferences('tarnos'))).checked('rappels')).toEqual(['invoices']);

    const noToken = await agent
      .post(urls.reminderPreferences('tarnos'))
      .type('form')
      .send({ rappels: ['bookings', 'dossiers', 'invoices'] });
    expect(noToken.status).toBe(403);
    const { rows } = await db().query(`select bookings, dossiers, invoices from reminder_preferences where account_id = $1`, [f.parent.id]);
    expect(rows).toEqual([{ bookings: false, dossiers: false, invoices: true }]);
  });
});
