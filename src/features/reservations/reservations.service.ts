import { withTransaction, type Queryable } from '../../db/pool.js';
import { NotFoundError } from '../../lib/errors.js';
import { formatLongDate } from '../../lib/format.js';
import { enqueueMails, type MailRequest } from '../../lib/mailer.js';
import { bookingAttachment } from '../calendar-feed/booking-ics.js';
import { ttlCache } from '../../lib/ttl-cache.js';
import {
  findActivityWithFamilyEnrolments,
  findFamilyEnrolmentContext,
  listClosures,
  findChildAgendaRows,
  type ActivityRow,
  type EnrolmentRow,
  type FamilyChild,
} from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { dayStates, TownCalendar, type ActivityCalendar, type DayCount, type DayState } from './day-states.js';
import { createRequest } from '../requests/requests.service.js';
import { activityCalendar } from './rules.js';
import { UUID } from '../../lib/ids.js';
import { count, greeting, listWords } from '../../lib/french.js';
import { giveFreedPlaces, type Removed } from './waiting-list.js';
import type { ServiceContext } from '../../deps.js';

/** Who acts: a validated parent's account, linked to a family file. */
export interface Parent {
  id: string;
  familyId: string;
  email: string;
  civility: 'M' | 'Mme';
  lastName: string;
  firstNames: string;
  validationStatus: 'awaiting_services' | 'validated' | 'refused';
  /** As read for this request (null: the signed-in parent): lets the request's mail skip reading the account again. */
  disabledAt?: Date | null;
}

export interface EnrolmentContext {
  child: FamilyChild;
  enrolment: EnrolmentRow;
  activity: ActivityRow;
  calendar: ActivityCalendar;
  /** Every enrolment of the family (all children, all activities), read with the rest. */
  familyEnrolments: EnrolmentRow[];
}

/** A malformed id is just another unknown object: the same 404, never a database error. */
export function assertUuid(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError('malformed id');
}

/** The child's enrolment with its activity, or 404 when either belongs to someone else. */
export async function enrolmentContext(
  db: Queryable,
  town: Town,
  parent: Parent,
  childId: string,
  enrolmentId: string,
): Promise<EnrolmentContext> {
  return (await readEnrolmentContext(db, town, parent, childId, enrolmentId)).ec;
}

/**
 * The rows a grid page decides its days from, read with the enrolment: the reservations of
 * every child of the family in the activity (brothers and sisters included) and the
 * activity's counters, from `from` to `to`.
 */
export interface EnrolmentDays extends repo.EnrolmentDaysRows {
  from: string;
  to: string;
}

/** The enrolment context and, for a range of days, its days, in one round trip. */
export async function enrolmentContextWithDays(
  db: Queryable,
  town: Town,
  parent: Parent,
  childId: string,
  enrolmentId: string,
  range: { from: string; to: string } | undefined,
): Promise<{ ec: EnrolmentContext; days?: EnrolmentDays }> {
  const { ec, days } = await readEnrolmentContext(db, town, parent, childId, enrolmentId, range);
  if (!range) return { ec };
  return { ec, days: { ...range, reservations: days?.reservations ?? [], counts: days?.counts ?? [] } };
}

async function readEnrolmentContext(
  db: Queryable,
  town: Town,
  parent: Parent,
  childId: string,
  enrolmentId: string,
  range?: { from: string; to: string },
): Promise<{ ec: EnrolmentContext; days?: repo.EnrolmentDaysRows }> {
  assertUuid(childId);
  assertUuid(enrolmentId);
  const withDays = range
    ? await repo.findFamilyEnrolmentWithDays(db, town.id, parent.familyId, childId, enrolmentId, range.from, range.to)
    : undefined;
  const found = range ? withDays : await findFamilyEnrolmentContext(db, town.id, parent.familyId, childId, enrolmentId);
  if (!found) throw new NotFoundError('child of another family');
  const { child, enrolment, activity, familyEnrolments } = found;
  if (!enrolment || enrolment.childId !== child.id) throw new NotFoundError('enrolment of another child');
  if (!activity) throw new NotFoundError('activity');
  const ec = { child, enrolment, activity, calendar: activityCalendar(activity, town.deadlineRules), familyEnrolments };
  return withDays ? { ec, days: withDays.days } : { ec };
}

/**
 * A brother's or sister's enrolment in the same activity, from what the context already
 * holds (the family's enrolments carry the child's names): no read.
 */
export function siblingContext(ec: EnrolmentContext, enrolment: EnrolmentRow): EnrolmentContext {
  if (enrolment.activityId !== ec.activity.id || enrolment.familyId !== ec.child.familyId)
    throw new NotFoundError('enrolment of another family');
  const child = {
    id: enrolment.childId,
    familyId: enrolment.familyId,
    firstNames: enrolment.childFirstNames,
    lastName: enrolment.childLastName,
  };
  return { ...ec, child, enrolment };
}

/** Each day's state for one enrolment of the family, from days read with the context (no read). */
export function statesFrom(
  target: EnrolmentContext,
  days: EnrolmentDays,
  calendar: TownCalendar,
  from: string,
  to: string,
  now: Date,
): DayState[] {
  if (from < days.from || to > days.to) throw new Error(`days ${from}–${to} asked of rows read for ${days.from}–${days.to}`);
  return dayStates(
    {
      activity: target.calendar,
      enrolment: target.enrolment,
      calendar,
      reservations: days.reservations
        .filter((r) => r.childId === target.child.id)
        .map((r) => ({ day: r.day, status: r.status, confirmed: r.confirmed, ...(r.position ? { position: r.position } : {}) })),
      counts: days.counts,
      now,
    },
    from,
    to,
  );
}

export async function townCalendar(db: Queryable, town: Town): Promise<TownCalendar> {
  return new TownCalendar(await listClosures(db, town.id));
}

/** Each day's state for one enrolment between two days, as the parent may act on it now. */
export async function enrolmentDays(
  db: Queryable,
  town: Town,
  ec: EnrolmentContext,
  from: string,
  to: string,
  now: Date,
  calendar?: TownCalendar,
): Promise<DayState[]> {
  const [cal, { reservations, counts }] = await Promise.all([
    calendar ?? townCalendar(db, town),
    repo.listReservationsWithCounts(db, town.id, { activityId: ec.activity.id, childIds: [ec.child.id], from, to }),
  ]);
  return dayStates(
    {
      activity: ec.calendar,
      enrolment: ec.enrolment,
      calendar: cal,
      reservations: reservations.map((r) => ({
        day: r.day,
        status: r.status,
        confirmed: r.confirmed,
        ...(r.position ? { position: r.position } : {}),
      })),
      counts,
      now,
    },
    from,
    to,
  );
}

/** The days of every child of the family enrolled in the context's activity, from `from` to `to`, in one statement. */
export async function familyDays(db: Queryable, town: Town, ec: EnrolmentContext, from: string, to: string): Promise<EnrolmentDays> {
  const childIds = [...new Set(ec.familyEnrolments.filter((e) => e.activityId === ec.activity.id).map((e) => e.childId))];
  const { reservations, counts } = await repo.listReservationsWithCounts(db, town.id, { activityId: ec.activity.id, childIds, from, to });
  return { from, to, reservations, counts };
}

/** The other children of the family enrolled in the same activity (brothers and sisters). */
export function siblingEnrolments(ec: EnrolmentContext): EnrolmentRow[] {
  const all = ec.familyEnrolments;
  const seen = new Set<string>();
  return all.filter((e) => {
    if (e.activityId !== ec.activity.id || e.childId === ec.child.id || seen.has(e.childId)) return false;
    seen.add(e.childId);
    return true;
  });
}

// ------------------------------------------------------------------ the agenda

export interface AgendaEntry {
  enrolment: EnrolmentRow;
  activity: ActivityRow;
  days: Map<string, DayState>;
}

/**
 * The town's calendar changes a few times a year: pages that only show it may use a copy
 * a few seconds old in production (the save always reads it afresh, inside its transaction).
 */
const CALENDAR_CACHE_MS = 5_000;
const calendars = ttlCache<TownCalendar>(CALENDAR_CACHE_MS);

export function cachedTownCalendar(ctx: ServiceContext, town: Town): Promise<TownCalendar> {
  if (!ctx.config.isProduction) return townCalendar(ctx.pool, town);
  return calendars.get(town.id, () => townCalendar(ctx.pool, town));
}

/**
 * MON AGENDA: every enrolment of the child that overlaps the days, with each day's state.
 * The busiest page of the feature: two queries at once, and no deadline computed (the
 * agenda says what is booked; the grid says until when it can change).
 */
export async function childAgenda(ctx: ServiceContext, town: Town, parent: Parent, childId: string, from: string, to: string) {
  assertUuid(childId);
  const now = ctx.clock.now();
  // One statement for the child (of this family only), its enrolments, counters and reservations.
  const [found, calendar] = await Promise.all([
    findChildAgendaRows(ctx.pool, town.id, parent.familyId, childId, from, to, { reservations: true }),
    cachedTownCalendar(ctx, town),
  ]);
  if (!found) throw new NotFoundError('child of another family');
  const { reservations } = found;
  const entries: AgendaEntry[] = found.entries
    .filter(({ enrolment }) => enrolment.endDate >= from && enrolment.startDate <= to)
    .map(({ enrolment, activity, counts }) => {
      const states = dayStates(
        {
          activity: activityCalendar(activity, town.deadlineRules),
          enrolment,
          calendar,
          reservations: reservations
            .filter((r) => r.activityId === activity.id)
            .map((r) => ({ day: r.day, status: r.status, confirmed: r.confirmed, ...(r.position ? { position: r.position } : {}) })),
          counts,
          now,
          withDeadlines: false,
        },
        from,
        to,
      );
      return { enrolment, activity, days: new Map(states.map((s) => [s.day, s])) };
    });
  return { child: found.child, entries, calendar, enrolments: found.entries.map((e) => e.enrolment) };
}

/** The child's enrolments, each with its activity and that activity's rules, in one statement (the choice of enrolment). */
export async function childEnrolments(ctx: ServiceContext, town: Town, parent: Parent, childId: string) {
  assertUuid(childId);
  const found = await findChildAgendaRows(ctx.pool, town.id, parent.familyId, childId, '', '', { counts: false });
  if (!found) throw new NotFoundError('child of another family');
  return {
    child: found.child,
    enrolments: found.entries.map(({ enrolment, activity }) => ({
      enrolment,
      activity,
      calendar: activityCalendar(activity, town.deadlineRules),
    })),
  };
}

// ------------------------------------------------------------------ saving

export interface ChangeSet {
  enrolmentId: string;
  book: string[];
  cancel: string[];
}

export interface RefusedDay {
  enrolmentId: string;
  firstNames: string;
  day: string;
  reason: string;
}

/**
 * Nothing was saved: some days could no longer be changed when the parent validated (the
 * deadline passed since the page was shown, a closure was added…). All or nothing, so
 * the parent is never left with half a request; the page lists the days.
 */
export class ChangesRefusedError extends Error {
  constructor(readonly refused: RefusedDay[]) {
    super('some days can no longer be changed');
  }
}

export type SaveResult =
  { duplicate: true; submissionId: string } | { duplicate: false; submissionId: string; outcome: repo.OutcomeLine[] };

/**
 * VALIDER: the parent's changes for one activity, for one or several children of the family,
 * in one transaction. The idempotency key makes a double click or a retried form one
 * submission. Deadlines are decided here, with the clock read after the day rows are
 * locked, whatever the page showed. Cancellations go first and their places go to the
 * waiting list; then each booking takes a place or joins the waiting list.
 *
 * Locks late (ADR 0010): every save of the same days waits for the day rows, so the work
 * that does not need them — reading the calendar and the reservations, deciding from the
 * unlocked counters, recording the outcome, the request and its two mails — is done first.
 * Then the days are locked, the reservations read again and everything decided again with
 * the locked counters and a fresh clock: if anything differs (a place taken meanwhile, a
 * deadline passed), that transaction is rolled back and the save runs again in a new one,
 * lock first, as it always did. Either way the decisions that are committed are the ones
 * taken under the lock. (A rollback rather than a savepoint: one round trip less on every
 * save, and a second attempt is rare — it needs a day at its last places or a refusal.)
 */
export async function saveReservations(
  ctx: ServiceContext,
  town: Town,
  parent: Parent,
  input: { activityId: string; key: string; changes: ChangeSet[] },
): Promise<SaveResult> {
  try {
    return await withTransaction(ctx.pool, (db) => attemptSave(ctx, db, town, parent, input, 'late'));
  } catch (err) {
    if (!(err instanceof LockLateMissed)) throw err;
    return withTransaction(ctx.pool, (db) => attemptSave(ctx, db, town, parent, input, 'first'));
  }
}

/** The lock-late attempt decided differently under the lock: its transaction is rolled back. */
class LockLateMissed extends Error {
  constructor() {
    super('the decisions changed under the lock; saving again, lock first');
  }
}

async function attemptSave(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  parent: Parent,
  input: { activityId: string; key: string; changes: ChangeSet[] },
  locking: 'late' | 'first',
): Promise<SaveResult> {
  const submission = {
    townId: town.id,
    familyId: parent.familyId,
    accountId: parent.id,
    activityId: input.activityId,
    key: input.key,
    createdAt: ctx.clock.now(),
  };
  const enrolmentIds = input.changes.map((c) => c.enrolmentId);
  const allDays = [...new Set(input.changes.flatMap((c) => [...c.book, ...c.cancel]))].sort();
  // Locking late, the submission and everything the first decision needs take one statement;
  // locking first, nothing about the days may be read before the lock.
  const seen =
    locking === 'late' && allDays.length > 0
      ? await repo.insertSubmissionWithDays(db, submission, enrolmentIds, allDays[0]!, allDays[allDays.length - 1]!)
      : undefined;
  const submissionId = seen ? seen.submissionId : await repo.insertSubmission(db, submission);
  if (!submissionId) {
    const existing = await repo.findSubmissionByKey(db, town.id, parent.familyId, input.key);
    if (!existing) throw new NotFoundError('idempotency key of another family');
    return { duplicate: true, submissionId: existing.id };
  }

  const found = seen ?? (await findActivityWithFamilyEnrolments(db, town.id, parent.familyId, input.activityId, enrolmentIds));
  const activity = found.activity;
  if (!activity) throw new NotFoundError('activity');
  const enrolments = new Map<string, EnrolmentRow>();
  for (const change of input.changes) {
    const enrolment = found.enrolments.find((e) => e.id === change.enrolmentId);
    if (!enrolment || enrolment.activityId !== activity.id) throw new NotFoundError('enrolment of another family');
    enrolments.set(enrolment.id, enrolment);
  }
  if (allDays.length === 0) return { duplicate: false, submissionId, outcome: [] };

  const save: SaveInput = { town, parent, activity, enrolments, changes: input.changes, submissionId, allDays };
  if (!seen) return saveLockingFirst(ctx, db, save);
  const done = await saveLockingLate(ctx, db, save, seen);
  if (!done) throw new LockLateMissed();
  return done;
}

interface SaveInput {
  town: Town;
  parent: Parent;
  activity: ActivityRow;
  enrolments: Map<string, EnrolmentRow>;
  changes: ChangeSet[];
  submissionId: string;
  allDays: string[];
}

interface Target {
  enrolment: EnrolmentRow;
  day: string;
}

/** Which asked days change, and which can no longer be changed (pure). */
function planChanges(
  save: SaveInput,
  calendar: TownCalendar,
  existing: repo.ReservationRow[],
  counts: DayCount[],
  now: Date,
): { refused: RefusedDay[]; toBook: Target[]; toCancel: Target[] } {
  const { activity, enrolments, allDays } = save;
  const from = allDays[0]!;
  const to = allDays[allDays.length - 1]!;
  const cal = activityCalendar(activity, save.town.deadlineRules);
  const refused: RefusedDay[] = [];
  const toBook: Target[] = [];
  const toCancel: Target[] = [];
  for (const change of save.changes) {
    const enrolment = enrolments.get(change.enrolmentId)!;
    const states = new Map(
      dayStates(
        {
          activity: cal,
          enrolment,
          calendar,
          reservations: existing
            .filter((r) => r.childId === enrolment.childId)
            .map((r) => ({ day: r.day, status: r.status, confirmed: r.confirmed })),
          counts,
          now,
        },
        from,
        to,
      ).map((s) => [s.day, s]),
    );
    const check = (day: string, wantReserved: boolean) => {
      const state = states.get(day)!;
      if ((state.reservation !== undefined) === wantReserved) return false; // already so: nothing to do
      if (!state.changeable) {
        refused.push({
          enrolmentId: enrolment.id,
          firstNames: enrolment.childFirstNames,
          day,
          reason: state.reason?.label ?? 'Pas d’activité ce jour-là',
        });
        return false;
      }
      return true;
    };
    for (const day of new Set(change.book)) if (check(day, true)) toBook.push({ enrolment, day });
    for (const day of new Set(change.cancel)) if (check(day, false)) toCancel.push({ enrolment, day });
  }
  toBook.sort((a, b) => (a.day === b.day ? a.enrolment.childId.localeCompare(b.enrolment.childId) : a.day < b.day ? -1 : 1));
  return { refused, toBook, toCancel };
}

/** Each booking takes a place or joins the waiting list, in day then child order; `counts` is updated. */
function placeBookings(toBook: Target[], counts: Map<string, DayCount>): { lines: repo.NewReservation[]; outcome: repo.OutcomeLine[] } {
  const lines: repo.NewReservation[] = [];
  const outcome: repo.OutcomeLine[] = [];
  for (const { enrolment, day } of toBook) {
    const count = counts.get(day)!;
    const hasPlace = count.capacity === null || count.booked < count.capacity;
    if (hasPlace) count.booked += 1;
    lines.push({ enrolmentId: enrolment.id, childId: enrolment.childId, day, status: hasPlace ? 'booked' : 'waiting' });
    outcome.push({ childId: enrolment.childId, firstNames: enrolment.childFirstNames, day, result: hasPlace ? 'booked' : 'waiting' });
  }
  return { lines, outcome };
}

function sortOutcome(outcome: repo.OutcomeLine[]): void {
  outcome.sort((a, b) => (a.day === b.day ? a.firstNames.localeCompare(b.firstNames, 'fr') : a.day < b.day ? -1 : 1));
}

/**
 * Everything a save decides from what it read: the lines removed and inserted, and what the
 * parent is told. Undefined when the lock-late attempt cannot decide alone: a day refused
 * (the lock-first save is the judge), or a place freed and booked by the same save (the
 * waiting list gets it first, which only the lock tells).
 */
function decide(save: SaveInput, calendar: TownCalendar, existing: repo.ReservationRow[], dayCounts: DayCount[], now: Date) {
  const { activity, allDays } = save;
  const plan = planChanges(save, calendar, existing, dayCounts, now);
  if (plan.refused.length > 0) return undefined;
  const counts = new Map(allDays.map((day) => [day, { day, capacity: activity.capacity, booked: 0 }]));
  for (const c of dayCounts) if (counts.has(c.day)) counts.set(c.day, { ...c });
  const rows = new Map(existing.map((r) => [`${r.childId}:${r.day}`, r]));
  const removed: Removed[] = plan.toCancel
    .map(({ enrolment, day }) => rows.get(`${enrolment.childId}:${day}`)!)
    .map((r) => ({ childId: r.childId, day: r.day, status: r.status }))
    .sort((a, b) => (a.day === b.day ? a.childId.localeCompare(b.childId) : a.day < b.day ? -1 : 1));
  const freedDays = new Set(removed.filter((r) => r.status === 'booked').map((r) => r.day));
  if (plan.toBook.some((b) => freedDays.has(b.day))) return undefined;
  for (const r of removed) if (r.status === 'booked') counts.get(r.day)!.booked -= 1;
  const names = new Map([...save.enrolments.values()].map((e) => [e.childId, e.childFirstNames]));
  const outcome: repo.OutcomeLine[] = removed.map((r) => ({
    childId: r.childId,
    firstNames: names.get(r.childId) ?? '',
    day: r.day,
    result: 'cancelled' as const,
  }));
  const { lines, outcome: booked } = placeBookings(plan.toBook, counts);
  outcome.push(...booked);
  sortOutcome(outcome);
  const status: 'confirmed' | 'awaiting_agent' = activity.confirmation === 'agent' && lines.length > 0 ? 'awaiting_agent' : 'confirmed';
  return { removed, lines, outcome, status, counts, fingerprint: JSON.stringify([removed, lines, status]) };
}

/** The lock-late attempt, from what was read with the submission; undefined when it must give way to the lock-first save. */
async function saveLockingLate(
  ctx: ServiceContext,
  db: Queryable,
  save: SaveInput,
  seen: Pick<repo.SubmissionWithDays, 'closures' | 'reservations' | 'counts'>,
): Promise<SaveResult | undefined> {
  const { town, activity, allDays, submissionId } = save;
  const from = allDays[0]!;
  const to = allDays[allDays.length - 1]!;
  const childIds = [...new Set([...save.enrolments.values()].map((e) => e.childId))];
  const calendar = new TownCalendar(seen.closures);
  const { reservations: existing, counts } = seen;
  const planned = decide(save, calendar, existing, counts, ctx.clock.now());
  if (!planned) return undefined;
  await recordOutcome(ctx, db, save, planned.status, planned.outcome);
  // Everything asked was already so (a stale draft): nothing to write, no day to lock.
  if (planned.outcome.length === 0) return { duplicate: false, submissionId, outcome: [] };

  // Under the day locks from here to the commit: the counters as locked, decided again with a
  // fresh clock, and the lines written by one statement that first checks the reservations
  // are still those decided from (a change there gives way to the lock-first save).
  const allExist = allDays.every((day) => counts.some((c) => c.day === day));
  const locked = await repo.lockDays(db, activity.id, activity.capacity, allDays, { allExist });
  const now = ctx.clock.now();
  const again = decide(save, calendar, existing, locked, now);
  if (!again || again.fingerprint !== planned.fingerprint) return undefined;
  const confirmedAt = activity.confirmation === 'immediate' ? now : null;
  const written = await repo.writeReservationsIfUnchanged(
    db,
    town.id,
    { activityId: activity.id, childIds, from, to },
    repo.linesKey(existing),
    {
      remove: planned.removed,
      submissionId,
      confirmedAt,
      insert: planned.lines,
    },
  );
  if (!written.unchanged || written.inserted !== planned.lines.length) return undefined;
  const key = (rows: Removed[]) => JSON.stringify(rows.map((r) => `${r.day}:${r.childId}:${r.status}`).sort());
  if (key(written.removed) !== key(planned.removed)) return undefined;
  // The places freed go to the waiting lists (a day booked by this save frees none: see decide).
  await giveFreedPlaces(ctx, db, town, activity, written.removed, new Map(locked.map((c) => [c.day, { ...c }])), now);
  return { duplicate: false, submissionId, outcome: planned.outcome };
}

/** The submission's outcome, its request and the two mails (none when nothing changed). */
async function recordOutcome(
  ctx: ServiceContext,
  db: Queryable,
  save: SaveInput,
  status: 'confirmed' | 'awaiting_agent',
  outcome: repo.OutcomeLine[],
): Promise<void> {
  const { town, parent, activity, submissionId } = save;
  // Everything asked was already so (a stale draft): nothing to record, nothing to tell.
  if (outcome.length === 0) return repo.setSubmissionOutcome(db, submissionId, status, outcome);
  // The request's acknowledgement and the confirmation are queued together: two statements, not four.
  const mails: MailRequest[] = [];
  const request = await recordRequest(ctx, db, town, parent, activity, submissionId, status, outcome, mails);
  await repo.setSubmissionOutcome(db, submissionId, status, outcome, request.id);
  if (status === 'confirmed') {
    const link = { label: 'Voir ma demande', url: absoluteUrl(ctx.config.publicBaseUrl, urls.request(town, request.id)) };
    mails.push(confirmationMail(town, parent, activity, outcome, link, ctx.clock.now()));
  }
  await enqueueMails(db, mails);
}

/** The save as it always was: the days locked before anything is read or decided. */
async function saveLockingFirst(ctx: ServiceContext, db: Queryable, save: SaveInput): Promise<SaveResult> {
  const { town, activity, enrolments, allDays, submissionId } = save;
  const locked = await repo.lockDays(db, activity.id, activity.capacity, allDays);
  const now = ctx.clock.now();
  const from = allDays[0]!;
  const to = allDays[allDays.length - 1]!;
  const calendar = await townCalendar(db, town);
  const childIds = [...new Set([...enrolments.values()].map((e) => e.childId))];
  const existing = await repo.listReservations(db, town.id, { activityId: activity.id, childIds, from, to });

  const { refused, toBook, toCancel } = planChanges(save, calendar, existing, locked, now);
  if (refused.length > 0) throw new ChangesRefusedError(refused);

  const counts = new Map(locked.map((c) => [c.day, { ...c }]));
  const confirmedAt = activity.confirmation === 'immediate' ? now : null;
  const outcome: repo.OutcomeLine[] = [];

  // Cancellations first: a freed place goes to whoever was already waiting for it.
  const removed = await repo.deleteReservations(
    db,
    town.id,
    activity.id,
    toCancel.map((c) => ({ childId: c.enrolment.childId, day: c.day })),
  );
  const names = new Map([...enrolments.values()].map((e) => [e.childId, e.childFirstNames]));
  for (const r of removed) {
    outcome.push({ childId: r.childId, firstNames: names.get(r.childId) ?? '', day: r.day, result: 'cancelled' });
  }
  await giveFreedPlaces(ctx, db, town, activity, removed, counts, now);

  const { lines, outcome: booked } = placeBookings(toBook, counts);
  outcome.push(...booked);
  await repo.insertReservations(db, town.id, activity.id, submissionId, confirmedAt, lines);

  sortOutcome(outcome);
  const status = activity.confirmation === 'agent' && lines.length > 0 ? 'awaiting_agent' : 'confirmed';
  await recordOutcome(ctx, db, save, status, outcome);
  return { duplicate: false, submissionId, outcome };
}

function outcomeParagraphs(activity: ActivityRow, outcome: repo.OutcomeLine[]): string[] {
  const words = { booked: 'réservé', waiting: "en liste d'attente", cancelled: 'annulé' } as const;
  return outcome.map((o) => `${o.firstNames} – ${activity.unit}, ${formatLongDate(o.day)} : ${words[o.result]}`);
}

const RESULT_WORDS = {
  booked: { before: 'Non réservé', after: 'Réservé' },
  waiting: { before: 'Non réservé', after: "Liste d'attente" },
  cancelled: { before: 'Réservé', after: 'Annulé' },
} as const;

/**
 * The submission as a request of type 'reservation' (src/features/requests): it appears in
 * "Dernières demandes" and, when an agent must confirm it, in the back-office queue, whose
 * decision runs the effects of reservation-requests.ts. Seed 004: "Un mail vous
 * indiquera la prise en compte de votre demande, puis de votre réservation" — the request's
 * own mail says the first; the confirmation mail (at once, or the agent's decision) the second.
 */
async function recordRequest(
  ctx: ServiceContext,
  db: Queryable,
  town: Town,
  parent: Parent,
  activity: ActivityRow,
  submissionId: string,
  status: 'confirmed' | 'awaiting_agent',
  outcome: repo.OutcomeLine[],
  mails: MailRequest[],
) {
  const days = (r: repo.OutcomeLine['result']) => outcome.filter((o) => o.result === r).length;
  const names = listWords([...new Set(outcome.map((o) => o.firstNames))]);
  // "Léa : 8 jours réservés, 1 jour en liste d'attente": a count says what it counts.
  const parts = [
    days('booked') && count(days('booked'), 'jour réservé', 'jours réservés'),
    days('waiting') && count(days('waiting'), "jour en liste d'attente", "jours en liste d'attente"),
    days('cancelled') && count(days('cancelled'), 'jour annulé', 'jours annulés'),
  ].filter(Boolean);
  const children = [...new Set(outcome.map((o) => o.childId))];
  return createRequest(
    db,
    ctx,
    town,
    parent,
    {
      type: 'reservation',
      summary: `${activity.name} – ${names} : ${parts.join(', ')}`,
      payload: {
        submissionId,
        activityId: activity.id,
        activityName: activity.name,
        unit: activity.unit,
        changes: outcome.map((o) => ({
          field: `${o.childId}:${o.day}`,
          label: `${o.firstNames} – ${activity.unit}, ${formatLongDate(o.day)}`,
          ...RESULT_WORDS[o.result],
        })),
      },
      childId: children.length === 1 ? children[0]! : null,
      status: status === 'confirmed' ? 'accepted' : 'sent',
      actor: status === 'confirmed' ? 'system' : 'parent',
    },
    mails,
  );
}

function confirmationMail(
  town: Town,
  to: { email: string; civility: 'M' | 'Mme'; lastName: string },
  activity: ActivityRow,
  outcome: repo.OutcomeLine[],
  link: { label: string; url: string },
  now: Date,
): MailRequest {
  const waiting = outcome.some((o) => o.result === 'waiting');
  // The booked days as an .ics: one tap adds them to the parent's calendar (issue 17).
  const ics = bookingAttachment(town, activity, outcome, now);
  return {
    townId: town.id,
    to: to.email,
    template: 'notification',
    subject: `Votre réservation est confirmée – ${activity.name}`,
    data: {
      townName: town.name,
      greeting: greeting(to),
      paragraphs: [
        `Votre réservation pour ${activity.name} est confirmée.`,
        ...outcomeParagraphs(activity, outcome),
        ...(waiting ? ["Pour les jours en liste d'attente, un courriel vous préviendra si une place se libère."] : []),
        'Tous les repas et journées réservés sont facturés, sauf absence justifiée.',
      ],
      link,
    },
    ...(ics ? { attachments: [ics] } : {}),
  };
}

export async function findSubmissionForFamily(ctx: ServiceContext, town: Town, parent: Parent, id: string) {
  assertUuid(id);
  const submission = await repo.findFamilySubmission(ctx.pool, town.id, parent.familyId, id);
  if (!submission) throw new NotFoundError('submission of another family');
  return submission;
}

// ------------------------------------------------------------------ agents
