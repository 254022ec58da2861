import type { Queryable } from '../../db/pool.js';
import { parisDay } from '../../lib/calendar/index.js';
import { formatLongDate } from '../../lib/format.js';
import { greeting } from '../../lib/french.js';
import { enqueueMail } from '../../lib/mailer.js';
import { findActivity, type ActivityRow } from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The waiting list: a place freed (a cancellation, a capacity raised, an agent refusing a
 * reservation) goes to the first children waiting, whose families are told by mail. Its own
 * module because a request's decision (request-effects.ts) reaches it without the rest of the
 * reservations service, which makes requests.
 */

/** A reservation line deleted by a save or a refusal. */
export type Removed = { childId: string; day: string; status: 'booked' | 'waiting' };

/**
 * A place freed on a locked day goes to the first children waiting, who are told by mail.
 * Days already past keep their waiting list as it is: nobody can come yesterday.
 */
export async function fillFreedPlaces(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  activity: ActivityRow,
  day: string,
  count: { capacity: number | null; booked: number },
  now: Date,
): Promise<repo.Promoted[]> {
  return fillFreedPlacesOnDays(ctx, db, town, activity, [{ day, count }], now);
}

/**
 * After reservations of locked days were deleted: the counters (`counts`, the locked rows)
 * lose each booked line, and the places freed go to the children waiting on those days.
 */
export async function giveFreedPlaces(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  activity: ActivityRow,
  removed: Removed[],
  counts: Map<string, { capacity: number | null; booked: number }>,
  now: Date,
): Promise<void> {
  const freed = removed.filter((r) => r.status === 'booked');
  for (const r of freed) counts.get(r.day)!.booked -= 1;
  const days = [...new Set(freed.map((r) => r.day))].sort();
  await fillFreedPlacesOnDays(
    ctx,
    db,
    town,
    activity,
    days.map((day) => ({ day, count: counts.get(day)! })),
    now,
  );
}

/** `fillFreedPlaces` for several locked days, promoted in one statement; `count.booked` is updated. */
export async function fillFreedPlacesOnDays(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  activity: ActivityRow,
  days: { day: string; count: { capacity: number | null; booked: number } }[],
  now: Date,
): Promise<repo.Promoted[]> {
  const today = parisDay(now);
  const open = days.filter((d) => d.day >= today);
  const promoted = await repo.promoteWaitingOnDays(
    db,
    activity.id,
    open.map(({ day, count }) => ({ day, free: count.capacity === null ? 10_000 : count.capacity - count.booked })),
    activity.confirmation === 'immediate' ? now : null,
  );
  for (const p of promoted) open.find((d) => d.day === p.day)!.count.booked += 1;
  for (const p of promoted) {
    const day = p.day;
    for (const to of await repo.familyRecipients(db, town.id, p.familyId)) {
      await enqueueMail(db, {
        townId: town.id,
        to: to.email,
        template: 'notification',
        subject: `Une place s'est libérée : ${activity.name} le ${formatLongDate(day)}`,
        data: {
          townName: town.name,
          greeting: greeting(to),
          paragraphs: [
            `Une place s'est libérée pour ${p.firstNames} : ${activity.name} (${activity.unit}), ${formatLongDate(day)}.`,
            `${p.firstNames} était en liste d'attente ; sa réservation est maintenant enregistrée${activity.confirmation === 'agent' ? ', sous réserve de confirmation par les services' : ''}.`,
            "Si vous n'en avez plus besoin, vous pouvez l'annuler depuis l'agenda de votre enfant, dans les délais de réservation.",
          ],
          link: { label: "Voir l'agenda", url: absoluteUrl(ctx.config.publicBaseUrl, urls.childAgenda(town, p.childId, day.slice(0, 7))) },
        },
      });
    }
  }
  return promoted;
}

/**
 * What an agent's decision on a reservation request does (its effect in request-effects.ts,
 * so it runs inside the request's transition: status, history, mail, audit and these writes
 * commit together). Accepting confirms the held places; refusing frees them,
 * and the children waiting get them.
 */
export async function applyDecision(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  submissionId: string,
  decision: { accept: boolean; agentId: string | null; now: Date; reason: string | null },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const submission = await repo.findSubmission(db, town.id, submissionId, true);
  if (!submission) return { ok: false, message: 'Cette demande de réservation est introuvable' };
  if (submission.status !== 'awaiting_agent') return { ok: false, message: 'Cette demande de réservation a déjà été traitée' };
  const activity = (await findActivity(db, town.id, submission.activityId))!;
  if (decision.accept) {
    await repo.confirmSubmissionReservations(db, submission.id, decision.now);
  } else {
    const lines = await repo.unconfirmedLines(db, submission.id);
    const days = [...new Set(lines.map((l) => l.day))].sort();
    if (days.length > 0) {
      const locked = await repo.lockDays(db, activity.id, activity.capacity, days);
      const removed = await repo.deleteReservations(db, town.id, activity.id, lines);
      await giveFreedPlaces(ctx, db, town, activity, removed, new Map(locked.map((c) => [c.day, { ...c }])), decision.now);
    }
  }
  await repo.decideSubmission(db, town.id, submission.id, {
    status: decision.accept ? 'confirmed' : 'refused',
    agentId: decision.agentId,
    at: decision.now,
    reason: decision.reason,
  });
  return { ok: true };
}
