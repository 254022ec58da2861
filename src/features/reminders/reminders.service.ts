import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { addDays, dayLabel, formatDate, monthBounds, monthLabel, parisDay, untilLabel } from '../../lib/calendar/index.js';
import { formatEuros } from '../../lib/format.js';
import { greeting } from '../../lib/french.js';
import { enqueueMails, type MailRequest } from '../../lib/mailer.js';
import { findActivity, type ActivityRow } from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/reminders.repository.js';
import { findTownById, type Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { debitNotices } from '../direct-debit/direct-debit.service.js';
import { dayStates, type TownCalendar } from '../reservations/day-states.js';
import { townCalendar } from '../reservations/reservations.service.js';
import { activityCalendar } from '../reservations/rules.js';

/**
 * How many days ahead a reminder warns. The rules (docs/rappels.md):
 *
 * - Booking: the "coming period" is a calendar month. An enrolled child is reminded of a month
 *   when one of its activity days in that month can still be booked and its booking deadline
 *   (the activity's rule, or the town's, ADR 0010) falls within the next REMINDER_DAYS days,
 *   while the child has nothing booked (nor waiting) in that month. Once per account,
 *   enrolment and month.
 * - Invoice: an unpaid invoice due within REMINDER_DAYS days, unless a direct-debit mandate
 *   covers it (the bank pays it). Once per account, invoice and due day.
 * - Dossier: the renewal campaign's own reminders (renewal.service sendReminders), which
 *   read the same preference.
 */
export const REMINDER_DAYS = 3;
/** How far ahead booking deadlines are looked for: two months cover any rule's next period. */
const BOOKING_HORIZON_DAYS = 62;

interface Due {
  townId: string;
  recipient: repo.Recipient;
  kind: 'booking' | 'invoice';
  subjectId: string;
  period: string;
  mail: Omit<MailRequest, 'townId' | 'to'>;
}

/** Enqueues every due reminder not sent yet; returns how many mails. Safe to run twice (the sent_reminders key). */
export async function sendDueReminders(ctx: ServiceContext): Promise<number> {
  const due = [...(await dueBookingReminders(ctx)), ...(await dueInvoiceReminders(ctx))];
  let mailed = 0;
  for (const d of due) {
    const sent = await withTransaction(ctx.pool, async (db) => {
      const fresh = await repo.recordSentReminder(db, {
        townId: d.townId,
        accountId: d.recipient.accountId,
        kind: d.kind,
        subjectId: d.subjectId,
        period: d.period,
        now: ctx.clock.now(),
      });
      if (!fresh) return false;
      await enqueueMails(db, [{ townId: d.townId, to: d.recipient.email, ...d.mail }]);
      return true;
    });
    if (sent) mailed += 1;
  }
  return mailed;
}

function townCache(ctx: ServiceContext) {
  const towns = new Map<string, Promise<{ town: Town; calendar: TownCalendar } | undefined>>();
  return (id: string) => {
    let found = towns.get(id);
    if (!found) {
      found = findTownById(ctx.pool, id).then(async (town) => (town ? { town, calendar: await townCalendar(ctx.pool, town) } : undefined));
      towns.set(id, found);
    }
    return found;
  };
}

async function dueBookingReminders(ctx: ServiceContext): Promise<Due[]> {
  const now = ctx.clock.now();
  const today = parisDay(now);
  const warnUntil = new Date(now.getTime() + REMINDER_DAYS * 24 * 60 * 60 * 1000);
  const town = townCache(ctx);
  const activities = new Map<string, Promise<ActivityRow | undefined>>();
  const due: Due[] = [];
  for (const e of await repo.listCurrentEnrolments(ctx.pool, today)) {
    const t = await town(e.townId);
    if (!activities.has(e.activityId)) activities.set(e.activityId, findActivity(ctx.pool, e.townId, e.activityId));
    const activity = t && (await activities.get(e.activityId));
    if (!t || !activity) continue;
    const from = e.startDate > today ? e.startDate : today;
    const horizon = addDays(today, BOOKING_HORIZON_DAYS);
    const to = e.endDate < horizon ? e.endDate : horizon;
    if (to < from) continue;
    const states = dayStates(
      { activity: activityCalendar(activity, t.town.deadlineRules), enrolment: e, calendar: t.calendar, reservations: [], counts: [], now },
      from,
      to,
    );
    // The first day of each month whose deadline closes soon (days come in order).
    const months = new Map<string, { day: string; deadline: Date }>();
    for (const s of states) {
      if (s.status !== 'bookable' || !s.deadline || s.deadline > warnUntil) continue;
      const month = s.day.slice(0, 7);
      if (!months.has(month)) months.set(month, { day: s.day, deadline: s.deadline });
    }
    for (const [month, first] of months) {
      const { from: monthStart, to: monthEnd } = monthBounds(month);
      if (await repo.hasReservationBetween(ctx.pool, e.townId, e.enrolmentId, monthStart, monthEnd)) continue;
      for (const r of await repo.reminderRecipients(ctx.pool, e.townId, e.familyId, 'bookings')) {
        due.push({
          townId: e.townId,
          recipient: r,
          kind: 'booking',
          subjectId: e.enrolmentId,
          period: month,
          mail: {
            template: 'notification',
            subject: `Réservations de ${monthLabel(month)} : date limite proche`,
            data: {
              townName: t.town.name,
              greeting: greeting(r),
              paragraphs: [
                `Aucun jour n'est encore réservé en ${monthLabel(month)} pour ${e.childFirstNames} à l'activité « ${activity.name} ».`,
                `Le ${dayLabel(first.day)} se réserve jusqu'au ${untilLabel(first.deadline)} ; passé ce délai, il ne pourra plus être réservé en ligne. Les jours suivants ont chacun leur date limite.`,
                'Vous ne souhaitez plus recevoir ces rappels ? Désactivez-les dans Mon compte, rubrique Rappels par courriel.',
              ],
              link: {
                url: absoluteUrl(ctx.config.publicBaseUrl, urls.reservationGrid(t.town, e.childId, e.enrolmentId, { mois: month })),
                label: 'Réserver',
              },
            },
          },
        });
      }
    }
  }
  return due;
}

async function dueInvoiceReminders(ctx: ServiceContext): Promise<Due[]> {
  const today = parisDay(ctx.clock.now());
  const town = townCache(ctx);
  const due: Due[] = [];
  const covered = new Map<string, Promise<Map<string, unknown>>>();
  for (const inv of await repo.listUnpaidInvoicesDue(ctx.pool, today, addDays(today, REMINDER_DAYS))) {
    const t = await town(inv.townId);
    if (!t) continue;
    const key = `${inv.townId}/${inv.familyId}`;
    if (!covered.has(key)) covered.set(key, debitNotices(ctx, inv.townId, inv.familyId));
    if ((await covered.get(key)!).has(inv.invoiceId)) continue;
    for (const r of await repo.reminderRecipients(ctx.pool, inv.townId, inv.familyId, 'invoices', inv.accountId)) {
      due.push({
        townId: inv.townId,
        recipient: r,
        kind: 'invoice',
        subjectId: inv.invoiceId,
        period: inv.dueOn,
        mail: {
          template: 'notification',
          subject: `Facture ${inv.number} à payer avant le ${formatDate(inv.dueOn)}`,
          data: {
            townName: t.town.name,
            greeting: greeting(r),
            paragraphs: [
              `La facture ${inv.number} de ${formatEuros(inv.totalCents)} est à payer au plus tard le ${dayLabel(inv.dueOn)}.`,
              'Vous pouvez la payer en ligne depuis votre espace. Si vous l’avez déjà réglée par un autre moyen, ne tenez pas compte de ce message.',
              'Vous ne souhaitez plus recevoir ces rappels ? Désactivez-les dans Mon compte, rubrique Rappels par courriel.',
            ],
            link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.invoice(t.town, inv.invoiceId)), label: 'Voir la facture' },
          },
        },
      });
    }
  }
  return due;
}

/** Mon compte › Rappels par courriel. */
export async function savePreferences(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  accountId: string,
  prefs: repo.ReminderPreferences,
): Promise<void> {
  await repo.savePreferences(ctx.pool, accountId, prefs, ctx.clock.now());
}
