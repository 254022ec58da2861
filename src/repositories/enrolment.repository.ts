import type { Queryable } from '../db/pool.js';
import type { ActivityRow } from './activities.repository.js';

/**
 * Enrolment from the parent's side (issue 16, migration 0024): what an activity says of
 * itself on the public offer and who may enrol in it, and the parents' applications
 * (requests of type 'enrolment') with their place in a fair allocation.
 */

export const SCHOOL_LEVELS = ['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'] as const;
export type SchoolLevel = (typeof SCHOOL_LEVELS)[number];

export interface RequiredPiece {
  /** A kind of document of the parents' storage (DOCUMENT_KINDS). */
  kind: string;
  /** The piece must have been issued less than this many months ago (a medical certificate: 12). */
  maxAgeMonths: number | null;
}

export interface EnrolmentSettings {
  service: string;
  description: string;
  minAge: number | null;
  maxAge: number | null;
  schoolLevels: SchoolLevel[];
  requiredPieces: RequiredPiece[];
  asksPai: boolean;
  asksDiet: boolean;
  enrolmentOpensAt: Date | null;
  enrolmentClosesAt: Date | null;
  fairWindowMinutes: number | null;
}

export interface Allocation {
  allocationSeed: string | null;
  allocatedAt: Date | null;
}

const SETTINGS_COLUMNS = `a.service, a.description, a.min_age as "minAge", a.max_age as "maxAge", a.school_levels as "schoolLevels",
  a.required_pieces as "requiredPieces", a.asks_pai as "asksPai", a.asks_diet as "asksDiet",
  a.enrolment_opens_at as "enrolmentOpensAt", a.enrolment_closes_at as "enrolmentClosesAt",
  a.fair_window_minutes as "fairWindowMinutes", a.allocation_seed as "allocationSeed", a.allocated_at as "allocatedAt"`;

const ACTIVITY_COLUMNS = `a.id, a.name, a.site, a.unit, a.start_date as "startDate", a.end_date as "endDate", a.weekdays,
  a.runs_during as "runsDuring", a.capacity, a.booking_rule as "bookingRule", a.cancellation_rule as "cancellationRule",
  a.confirmation`;

export type OfferActivity = ActivityRow &
  EnrolmentSettings &
  Allocation & {
    /** Children enrolled in it, each taking a place for the period. */
    enrolled: number;
  };

/**
 * The activities the offer shows: those not yet over on `today`, with their settings and how
 * many children are enrolled, in one statement. `activityId` narrows it to one (the detail page).
 */
export async function listOffer(db: Queryable, townId: string, today: string, activityId?: string): Promise<OfferActivity[]> {
  const { rows } = await db.query<OfferActivity>(
    `select ${ACTIVITY_COLUMNS}, ${SETTINGS_COLUMNS},
            (select count(*) from enrolments e where e.activity_id = a.id)::int as enrolled
       from activities a
      where a.town_id = $1 and a.end_date >= $2 and ($3::uuid is null or a.id = $3)
      order by a.service, a.min_age nulls first, a.name, a.site, a.id`,
    [townId, today, activityId ?? null],
  );
  return rows;
}

/** One activity of the town with its settings (any period: agents edit past ones too). */
export async function findOfferActivity(db: Queryable, townId: string, activityId: string): Promise<OfferActivity | undefined> {
  const { rows } = await db.query<OfferActivity>(
    `select ${ACTIVITY_COLUMNS}, ${SETTINGS_COLUMNS},
            (select count(*) from enrolments e where e.activity_id = a.id)::int as enrolled
       from activities a where a.town_id = $1 and a.id = $2`,
    [townId, activityId],
  );
  return rows[0];
}

export async function saveEnrolmentSettings(db: Queryable, townId: string, activityId: string, s: EnrolmentSettings, now: Date) {
  const { rowCount } = await db.query(
    `update activities set service = $3, description = $4, min_age = $5, max_age = $6, school_levels = $7, required_pieces = $8,
            asks_pai = $9, asks_diet = $10, enrolment_opens_at = $11, enrolment_closes_at = $12, fair_window_minutes = $13, updated_at = $14
      where town_id = $1 and id = $2`,
    [
      townId,
      activityId,
      s.service,
      s.description,
      s.minAge,
      s.maxAge,
      s.schoolLevels,
      JSON.stringify(s.requiredPieces),
      s.asksPai,
      s.asksDiet,
      s.enrolmentOpensAt,
      s.enrolmentClosesAt,
      s.fairWindowMinutes,
      now,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** Locks the activity's row: two allocations, or an allocation and an acceptance by hand, run one after the other (applications do not lock it). */
export async function lockActivity(db: Queryable, townId: string, activityId: string): Promise<OfferActivity | undefined> {
  const { rows } = await db.query<OfferActivity>(
    `select ${ACTIVITY_COLUMNS}, ${SETTINGS_COLUMNS},
            (select count(*) from enrolments e where e.activity_id = a.id)::int as enrolled
       from activities a where a.town_id = $1 and a.id = $2 for update`,
    [townId, activityId],
  );
  return rows[0];
}

export async function recordAllocation(db: Queryable, townId: string, activityId: string, seed: string, now: Date) {
  await db.query(`update activities set allocation_seed = $3, allocated_at = $4 where town_id = $1 and id = $2`, [
    townId,
    activityId,
    seed,
    now,
  ]);
}

// ---------------------------------------------------------------- the family's children

export interface FamilyChildForEnrolment {
  id: string;
  firstNames: string;
  lastName: string;
  birthDate: string | null;
  className: string;
  /** The last day of the child's enrolments in the activity asked about (null: not enrolled). */
  enrolledUntil: string | null;
}

/** The family's children, each with how long it is already enrolled in `activityId`. */
export async function listFamilyChildren(
  db: Queryable,
  townId: string,
  familyId: string,
  activityId: string,
): Promise<FamilyChildForEnrolment[]> {
  const { rows } = await db.query<FamilyChildForEnrolment>(
    `select c.id, c.first_names as "firstNames", c.last_name as "lastName", c.birth_date as "birthDate", c.class_name as "className",
            (select max(e.end_date) from enrolments e where e.town_id = c.town_id and e.child_id = c.id and e.activity_id = $3) as "enrolledUntil"
       from children c where c.town_id = $1 and c.family_id = $2 order by c.birth_date nulls last, c.first_names, c.id`,
    [townId, familyId, activityId],
  );
  return rows;
}

// ---------------------------------------------------------------- applications

export async function insertApplication(
  db: Queryable,
  a: { requestId: string; townId: string; activityId: string; familyId: string; childId: string; receivedAt: Date },
): Promise<void> {
  await db.query(
    `insert into enrolment_applications (request_id, town_id, activity_id, family_id, child_id, received_at) values ($1, $2, $3, $4, $5, $6)`,
    [a.requestId, a.townId, a.activityId, a.familyId, a.childId, a.receivedAt],
  );
}

/** Whether the child already has an application still open (sent, in progress, complement) for the activity. */
export async function openApplicationExists(db: Queryable, townId: string, activityId: string, childId: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from enrolment_applications p join requests r on r.id = p.request_id and r.town_id = p.town_id
      where p.town_id = $1 and p.activity_id = $2 and p.child_id = $3 and r.status in ('sent', 'in_progress', 'complement_requested')`,
    [townId, activityId, childId],
  );
  return rows.length > 0;
}

export interface ApplicationRow {
  requestId: string;
  seq: number;
  receivedAt: Date;
  status: 'sent' | 'in_progress' | 'complement_requested' | 'accepted' | 'refused';
  childId: string;
  familyId: string;
  childName: string;
  familyName: string;
  postalCode: string;
  /** A brother or sister is enrolled in the activity already. */
  siblingEnrolled: boolean;
  rank: number | null;
  allocation: 'offered' | 'waiting' | null;
}

/** Every application to the activity, in arrival order, with what the criteria read. */
export async function listApplications(db: Queryable, townId: string, activityId: string): Promise<ApplicationRow[]> {
  const { rows } = await db.query<ApplicationRow>(
    `select p.request_id as "requestId", p.seq, p.received_at as "receivedAt", r.status, p.child_id as "childId", p.family_id as "familyId",
            c.first_names || ' ' || c.last_name as "childName", f.name as "familyName", f.postal_code as "postalCode",
            exists (select 1 from enrolments e join children s on s.id = e.child_id
                     where e.activity_id = p.activity_id and s.family_id = p.family_id and s.id <> p.child_id) as "siblingEnrolled",
            p.rank, p.allocation
       from enrolment_applications p
       join requests r on r.id = p.request_id and r.town_id = p.town_id
       join children c on c.id = p.child_id
       join families f on f.id = p.family_id
      where p.town_id = $1 and p.activity_id = $2
      order by p.seq`,
    [townId, activityId],
  );
  return rows;
}

export async function setApplicationRank(
  db: Queryable,
  townId: string,
  requestId: string,
  rank: number,
  allocation: 'offered' | 'waiting',
): Promise<void> {
  await db.query(`update enrolment_applications set rank = $3, allocation = $4 where town_id = $1 and request_id = $2`, [
    townId,
    requestId,
    rank,
    allocation,
  ]);
}

export interface FamilyApplication {
  requestId: string;
  activityId: string;
  childId: string;
  rank: number | null;
  allocation: 'offered' | 'waiting' | null;
  status: ApplicationRow['status'];
  summary: string;
  createdAt: Date;
  payload: Record<string, unknown>;
  /** The services' words when they refused it. */
  refusalReason: string | null;
  /** Its place among the activity's open applications: ranked ones first (by rank), then by arrival. Null once decided, or before the draw. */
  waitingPosition: number | null;
  /** Places of a fair activity not yet allocated: given after this instant (the first window's end), not by arrival. */
  drawAfter: Date | null;
}

/** A family's application (another family's request id finds nothing), with its place on the waiting list. */
export async function findFamilyApplication(
  db: Queryable,
  townId: string,
  familyId: string,
  requestId: string,
): Promise<FamilyApplication | undefined> {
  const { rows } = await db.query<FamilyApplication>(
    `select p.request_id as "requestId", p.activity_id as "activityId", p.child_id as "childId", p.rank, p.allocation,
            r.status, r.summary, r.created_at as "createdAt", r.payload,
            (select ev.comment from request_events ev where ev.request_id = r.id and ev.to_status = 'refused' order by ev.id desc limit 1)
              as "refusalReason",
            case when a.fair_window_minutes is not null and a.allocated_at is null
              then a.enrolment_opens_at + make_interval(mins => a.fair_window_minutes) end as "drawAfter",
            case when r.status in ('sent', 'in_progress', 'complement_requested') and (a.fair_window_minutes is null or a.allocated_at is not null) then
              (select count(*)::int from enrolment_applications o join requests q on q.id = o.request_id
                where o.activity_id = p.activity_id and q.status in ('sent', 'in_progress', 'complement_requested')
                  and (coalesce(o.rank, 2147483647), o.seq) <= (coalesce(p.rank, 2147483647), p.seq))
            end as "waitingPosition"
       from enrolment_applications p join requests r on r.id = p.request_id and r.town_id = p.town_id
       join activities a on a.id = p.activity_id
      where p.town_id = $1 and p.family_id = $2 and p.request_id = $3`,
    [townId, familyId, requestId],
  );
  return rows[0];
}
