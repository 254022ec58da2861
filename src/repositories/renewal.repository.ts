import type { Queryable } from '../db/pool.js';
import type { RequestStatus } from '../features/requests/request-state.js';

/**
 * Dossier renewal campaigns (issue 16, ADR 0020): the campaign, its activities, what each
 * family sent per child, and the reminders mailed. Every query filters on the town.
 */

export interface CampaignInput {
  title: string;
  yearStart: string;
  yearEnd: string;
  opensOn: string;
  closesOn: string;
  requiredKinds: string[];
  reminderDays: number[];
  activityIds: string[];
}

export interface Campaign extends Omit<CampaignInput, 'activityIds'> {
  id: string;
  activityIds: string[];
}

const CAMPAIGN_COLUMNS = `c.id, c.title, c.year_start as "yearStart", c.year_end as "yearEnd", c.opens_on as "opensOn",
  c.closes_on as "closesOn", c.required_kinds as "requiredKinds", c.reminder_days::int[] as "reminderDays",
  coalesce((select array_agg(ca.activity_id order by ca.activity_id) from renewal_campaign_activities ca where ca.campaign_id = c.id), '{}') as "activityIds"`;

export async function listCampaigns(db: Queryable, townId: string): Promise<Campaign[]> {
  const { rows } = await db.query<Campaign>(
    `select ${CAMPAIGN_COLUMNS} from renewal_campaigns c where c.town_id = $1 order by c.opens_on desc, c.created_at desc`,
    [townId],
  );
  return rows;
}

export async function findCampaign(db: Queryable, townId: string, id: string): Promise<Campaign | undefined> {
  const { rows } = await db.query<Campaign>(`select ${CAMPAIGN_COLUMNS} from renewal_campaigns c where c.town_id = $1 and c.id = $2`, [
    townId,
    id,
  ]);
  return rows[0];
}

/** The campaign families answer today: open on `today`, the latest opened if several are. */
export async function findOpenCampaign(db: Queryable, townId: string, today: string): Promise<Campaign | undefined> {
  const { rows } = await db.query<Campaign>(
    `select ${CAMPAIGN_COLUMNS} from renewal_campaigns c
      where c.town_id = $1 and c.opens_on <= $2 and c.closes_on >= $2 order by c.opens_on desc, c.created_at desc limit 1`,
    [townId, today],
  );
  return rows[0];
}

/** Every campaign of every town open on `today` (the reminders' job). */
export async function listOpenCampaigns(db: Queryable, today: string): Promise<(Campaign & { townId: string })[]> {
  const { rows } = await db.query<Campaign & { townId: string }>(
    `select ${CAMPAIGN_COLUMNS}, c.town_id as "townId" from renewal_campaigns c where c.opens_on <= $1 and c.closes_on >= $1 order by c.id`,
    [today],
  );
  return rows;
}

async function setActivities(db: Queryable, townId: string, campaignId: string, activityIds: string[]): Promise<void> {
  await db.query(`delete from renewal_campaign_activities where town_id = $1 and campaign_id = $2`, [townId, campaignId]);
  // Only the town's activities: another town's id is simply not inserted.
  await db.query(
    `insert into renewal_campaign_activities (town_id, campaign_id, activity_id)
     select $1, $2, a.id from activities a where a.town_id = $1 and a.id = any($3::uuid[])`,
    [townId, campaignId, activityIds],
  );
}

export async function insertCampaign(db: Queryable, townId: string, c: CampaignInput, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into renewal_campaigns (town_id, title, year_start, year_end, opens_on, closes_on, required_kinds, reminder_days, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id`,
    [townId, c.title, c.yearStart, c.yearEnd, c.opensOn, c.closesOn, c.requiredKinds, c.reminderDays, now],
  );
  const id = rows[0]!.id;
  await setActivities(db, townId, id, c.activityIds);
  return id;
}

export async function updateCampaign(db: Queryable, townId: string, id: string, c: CampaignInput, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update renewal_campaigns set title = $3, year_start = $4, year_end = $5, opens_on = $6, closes_on = $7, required_kinds = $8,
            reminder_days = $9, updated_at = $10
      where town_id = $1 and id = $2`,
    [townId, id, c.title, c.yearStart, c.yearEnd, c.opensOn, c.closesOn, c.requiredKinds, c.reminderDays, now],
  );
  if ((rowCount ?? 0) === 0) return false;
  await setActivities(db, townId, id, c.activityIds);
  return true;
}

export interface NewSubmission {
  townId: string;
  campaignId: string;
  familyId: string;
  childId: string;
  requestId: string;
  activityIds: string[];
  now: Date;
}

export async function insertSubmission(db: Queryable, s: NewSubmission): Promise<void> {
  await db.query(
    `insert into renewal_submissions (town_id, campaign_id, family_id, child_id, request_id, activity_ids, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [s.townId, s.campaignId, s.familyId, s.childId, s.requestId, s.activityIds, s.now],
  );
}

export interface Submission {
  campaignId: string;
  familyId: string;
  childId: string;
  activityIds: string[];
}

export async function findSubmissionOfRequest(db: Queryable, townId: string, requestId: string): Promise<Submission | undefined> {
  const { rows } = await db.query<Submission>(
    `select campaign_id as "campaignId", family_id as "familyId", child_id as "childId", activity_ids as "activityIds"
       from renewal_submissions where town_id = $1 and request_id = $2`,
    [townId, requestId],
  );
  return rows[0];
}

/** A child as the campaign sees it: its family, and its latest submission's request if any. */
export interface CampaignChild {
  childId: string;
  firstNames: string;
  lastName: string;
  familyId: string;
  familyName: string;
  cleEnfance: string;
  requestId: string | null;
  requestStatus: RequestStatus | null;
  submittedAt: Date | null;
  activityIds: string[];
  /** The services' last question while the renewal waits for a complement. */
  missing: string | null;
}

/**
 * Every child of the town (or of one family) with its latest submission to the campaign.
 * Every child of a family file is concerned: the Dossier administratif is renewed for each.
 */
export async function listCampaignChildren(db: Queryable, townId: string, campaignId: string, familyId?: string): Promise<CampaignChild[]> {
  const { rows } = await db.query<CampaignChild>(
    `select ch.id as "childId", ch.first_names as "firstNames", ch.last_name as "lastName", f.id as "familyId", f.name as "familyName",
            f.cle_enfance as "cleEnfance", s.request_id as "requestId", r.status as "requestStatus", s.created_at as "submittedAt",
            coalesce(s.activity_ids, '{}') as "activityIds",
            case when r.status = 'complement_requested' then (
              select e.comment from request_events e where e.request_id = r.id and e.to_status = 'complement_requested' order by e.id desc limit 1
            ) end as missing
       from children ch
       join families f on f.id = ch.family_id and f.town_id = ch.town_id
       left join lateral (
         select s.request_id, s.created_at, s.activity_ids from renewal_submissions s
          where s.campaign_id = $2 and s.child_id = ch.id order by s.created_at desc limit 1
       ) s on true
       left join requests r on r.id = s.request_id and r.town_id = ch.town_id
      where ch.town_id = $1 and ($3::uuid is null or ch.family_id = $3)
        and exists (select 1 from renewal_campaigns c where c.town_id = $1 and c.id = $2)
      order by f.name, f.cle_enfance, ch.birth_date nulls last, ch.first_names`,
    [townId, campaignId, familyId ?? null],
  );
  return rows;
}

/** This year's enrolments of a child in the campaign's activities: the re-enrolment's pre-fill. */
export async function enrolledActivityIds(db: Queryable, townId: string, campaignId: string, childId: string, before: string) {
  const { rows } = await db.query<{ activityId: string }>(
    `select distinct e.activity_id as "activityId" from enrolments e
       join renewal_campaign_activities ca on ca.activity_id = e.activity_id and ca.campaign_id = $2
      where e.town_id = $1 and e.child_id = $3 and e.start_date < $4`,
    [townId, campaignId, childId, before],
  );
  return rows.map((r) => r.activityId);
}

/** Records a reminder; false when this family already had this one (nothing to mail). */
export async function recordReminder(
  db: Queryable,
  r: { townId: string; campaignId: string; familyId: string; daysBefore: number; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into renewal_reminders (town_id, campaign_id, family_id, days_before, sent_at) values ($1, $2, $3, $4, $5)
     on conflict do nothing`,
    [r.townId, r.campaignId, r.familyId, r.daysBefore, r.now],
  );
  return (rowCount ?? 0) > 0;
}

export async function countReminders(db: Queryable, townId: string, campaignId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from renewal_reminders where town_id = $1 and campaign_id = $2`,
    [townId, campaignId],
  );
  return rows[0]?.n ?? 0;
}
