import type { Queryable } from '../db/pool.js';

/**
 * Absences (issue 6): the drafts of "Signaler une absence" (step 1 kept until VALIDER, with
 * its files) and the days an absence request is about. A draft is only ever found through
 * its owner — the signed-in account and its town — so another account's id finds nothing.
 */

export interface DraftOwner {
  townId: string;
  accountId: string;
}

export interface DraftRow {
  id: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface DraftFileInfo {
  id: string;
  position: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

export interface DraftFile extends DraftFileInfo {
  sha256: string;
  content: Buffer;
}

export interface NewDraftFile {
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

export async function insertDraft(db: Queryable, owner: DraftOwner, data: Record<string, unknown>, now: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into absence_drafts (town_id, account_id, data, created_at) values ($1, $2, $3, $4) returning id`,
    [owner.townId, owner.accountId, JSON.stringify(data), now],
  );
  return rows[0]!.id;
}

export async function insertDraftFiles(db: Queryable, townId: string, draftId: string, files: NewDraftFile[]): Promise<void> {
  for (const [i, f] of files.entries()) {
    await db.query(
      `insert into absence_draft_files (town_id, draft_id, position, file_name, content_type, size_bytes, sha256, content)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [townId, draftId, i + 1, f.fileName, f.contentType, f.size, f.sha256, f.content],
    );
  }
}

/**
 * The owner's draft. `lock`: inside VALIDER's transaction, so a second VALIDER of the same
 * draft waits for the first, then finds it deleted.
 */
export async function findDraft(db: Queryable, owner: DraftOwner, id: string, lock = false): Promise<DraftRow | undefined> {
  const { rows } = await db.query<DraftRow>(
    `select id, data, created_at as "createdAt" from absence_drafts
      where town_id = $1 and account_id = $2 and id = $3${lock ? ' for update' : ''}`,
    [owner.townId, owner.accountId, id],
  );
  return rows[0];
}

export async function listDraftFiles(db: Queryable, townId: string, draftId: string): Promise<DraftFileInfo[]> {
  const { rows } = await db.query<DraftFileInfo>(
    `select id, position, file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes"
       from absence_draft_files where town_id = $1 and draft_id = $2 order by position`,
    [townId, draftId],
  );
  return rows;
}

export async function draftFileContents(db: Queryable, townId: string, draftId: string): Promise<DraftFile[]> {
  const { rows } = await db.query<DraftFile>(
    `select id, position, file_name as "fileName", content_type as "contentType", size_bytes as "sizeBytes", sha256, content
       from absence_draft_files where town_id = $1 and draft_id = $2 order by position`,
    [townId, draftId],
  );
  return rows;
}

export async function deleteDraft(db: Queryable, owner: DraftOwner, id: string): Promise<void> {
  await db.query(`delete from absence_drafts where town_id = $1 and account_id = $2 and id = $3`, [owner.townId, owner.accountId, id]);
}

/**
 * Keeps `newest` and the account's `keep - 1` newest other drafts, and removes the rest with their files: each
 * draft may hold 12.8 MB of files outside the storage quota, so their number is bounded.
 */
export async function keepNewestDrafts(db: Queryable, owner: DraftOwner, newest: string, keep: number): Promise<void> {
  await db.query(
    `delete from absence_drafts where town_id = $1 and account_id = $2 and id <> $3 and id not in (
       select id from absence_drafts where town_id = $1 and account_id = $2 and id <> $3 order by created_at desc limit $4)`,
    [owner.townId, owner.accountId, newest, keep - 1],
  );
}

/** Drafts nobody validated: their files are removed with them (on delete cascade). */
export async function deleteDraftsBefore(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query(`delete from absence_drafts where created_at < $1`, [before]);
  return rowCount ?? 0;
}

/** The absence request made from a draft, when VALIDER already ran (a double click, the back button). */
export async function findRequestOfDraft(db: Queryable, owner: DraftOwner, draftId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `select id from requests where town_id = $1 and account_id = $2 and type = 'absence' and payload->>'draftId' = $3 limit 1`,
    [owner.townId, owner.accountId, draftId],
  );
  return rows[0]?.id;
}

// ---------------------------------------------------------------- the days of an absence

export interface NewAbsenceDay {
  activityId: string;
  enrolmentId: string;
  day: string;
  wasReserved: boolean;
}

export async function insertAbsenceDays(db: Queryable, townId: string, requestId: string, childId: string, days: NewAbsenceDay[]) {
  if (days.length === 0) return;
  await db.query(
    `insert into absence_days (town_id, request_id, activity_id, enrolment_id, child_id, day, was_reserved)
     select $1, $2, d.activity_id, d.enrolment_id, $3, d.day, d.was_reserved
       from unnest($4::uuid[], $5::uuid[], $6::date[], $7::boolean[]) as d(activity_id, enrolment_id, day, was_reserved)`,
    [
      townId,
      requestId,
      childId,
      days.map((d) => d.activityId),
      days.map((d) => d.enrolmentId),
      days.map((d) => d.day),
      days.map((d) => d.wasReserved),
    ],
  );
}

/**
 * The days of the child already reported in an absence that still stands (sent, in
 * progress, accepted…; a refused one does not count): a day is reported once.
 */
export async function reportedDays(
  db: Queryable,
  townId: string,
  childId: string,
  from: string,
  to: string,
): Promise<{ activityId: string; day: string }[]> {
  const { rows } = await db.query<{ activityId: string; day: string }>(
    `select ad.activity_id as "activityId", ad.day
       from absence_days ad join requests r on r.town_id = ad.town_id and r.id = ad.request_id
      where ad.town_id = $1 and ad.child_id = $2 and ad.day between $3 and $4 and r.status <> 'refused'`,
    [townId, childId, from, to],
  );
  return rows;
}

/** Two VALIDER for the same child (two tabs, two parents) check their days one after the other. */
export async function lockChildAbsences(db: Queryable, childId: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended('absences:' || $1::text, 0))`, [childId]);
}

/** How many of these enrolments still belong to the child (an agent may remove one between the two steps). */
export async function countChildEnrolments(db: Queryable, townId: string, childId: string, ids: string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from enrolments where town_id = $1 and child_id = $2 and id = any($3::uuid[])`,
    [townId, childId, ids],
  );
  return rows[0]?.n ?? 0;
}

/** The decision on the request: accepted → justified (billing leaves the days out). */
export async function setJustified(db: Queryable, townId: string, requestId: string, justified: boolean): Promise<number> {
  const { rowCount } = await db.query(`update absence_days set justified = $3 where town_id = $1 and request_id = $2`, [
    townId,
    requestId,
    justified,
  ]);
  return rowCount ?? 0;
}
