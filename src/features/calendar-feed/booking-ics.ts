import type { MailAttachment } from '../../repositories/mail-outbox.repository.js';
import { renderCalendar, type IcsEvent } from './ical.js';

/**
 * One reservation as an event. The UID names the child, the activity and the day, the same in
 * the feed and in a mail's attachment, so a phone that has both shows the day once and a
 * cancel-and-rebook updates it rather than adding a copy.
 */
export function reservationEvent(
  townSlug: string,
  r: { activityId: string; activityName: string; site: string; childId: string; day: string; waiting: boolean; confirmed: boolean },
  childName?: string,
): IcsEvent {
  const state = r.waiting ? " (liste d'attente)" : !r.confirmed ? ' (en attente de confirmation)' : '';
  return {
    uid: `${r.activityId}-${r.childId}-${r.day}@${townSlug}.espace-famille`,
    day: r.day,
    summary: `${r.activityName}${childName ? ` – ${childName}` : ''}${state}`,
    ...(r.site ? { location: r.site } : {}),
    tentative: r.waiting || !r.confirmed,
  };
}

/** The days a confirmation books, as an .ics for its mail; none when it books nothing. */
export function bookingAttachment(
  town: { slug: string; name: string },
  activity: { id: string; name: string; site: string },
  lines: { childId: string; firstNames: string; day: string; result: 'booked' | 'waiting' | 'cancelled' }[],
  now: Date,
): MailAttachment | undefined {
  const events = lines
    .filter((l) => l.result !== 'cancelled')
    .map((l) =>
      reservationEvent(
        town.slug,
        {
          activityId: activity.id,
          activityName: activity.name,
          site: activity.site,
          childId: l.childId,
          day: l.day,
          waiting: l.result === 'waiting',
          confirmed: true,
        },
        l.firstNames,
      ),
    );
  if (events.length === 0) return undefined;
  return {
    filename: 'reservations.ics',
    contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
    content: renderCalendar({ name: `${activity.name} – ${town.name}`, now, events, method: 'PUBLISH' }),
  };
}
