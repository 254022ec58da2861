import type { PoolClient } from '../db/pool.js';

/**
 * The SQL of the old portal's import (ADR 0025, src/features/imports/reprise.service.ts):
 * matching a row to the town's families, children, activities and régies, and writing what
 * it creates, inside the file's one transaction.
 */

export interface Activity {
  id: string;
  name: string;
  site: string;
  startDate: string;
  endDate: string;
  weekdays: number[];
  capacity: number | null;
}

export interface Child {
  id: string;
  familyRef: string;
  firstNames: string;
  birthDate: string | null;
}

export interface Regie {
  id: string;
  code: string;
}

export async function regiesOf(db: PoolClient, townId: string): Promise<Regie[]> {
  const { rows } = await db.query<Regie>(`select id, code from regies where town_id = $1 order by code`, [townId]);
  return rows;
}

export async function familiesByRef(db: PoolClient, townId: string, refs: string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await db.query<{ ref: string; id: string }>(
    `select lower(external_ref) as ref, id from families where town_id = $1 and lower(external_ref) = any($2::text[])`,
    [townId, refs],
  );
  return new Map(rows.map((r) => [r.ref, r.id]));
}

export async function childrenOf(db: PoolClient, townId: string, familyIds: string[]): Promise<Child[]> {
  if (familyIds.length === 0) return [];
  const { rows } = await db.query<Child>(
    `select id, family_id as "familyRef", first_names as "firstNames", to_char(birth_date, 'YYYY-MM-DD') as "birthDate"
       from children where town_id = $1 and family_id = any($2::uuid[])`,
    [townId, familyIds],
  );
  return rows;
}

export async function activitiesOf(db: PoolClient, townId: string): Promise<Activity[]> {
  const { rows } = await db.query<Activity>(
    `select id, name, site, to_char(start_date, 'YYYY-MM-DD') as "startDate", to_char(end_date, 'YYYY-MM-DD') as "endDate",
            weekdays::int[] as weekdays, capacity
       from activities where town_id = $1`,
    [townId],
  );
  return rows;
}

export async function quotientFrom(db: PoolClient, familyId: string, effectiveFrom: string): Promise<number | undefined> {
  const { rows } = await db.query<{ qf: number }>(`select qf from family_quotients where family_id = $1 and effective_from = $2`, [
    familyId,
    effectiveFrom,
  ]);
  return rows[0]?.qf;
}

export async function insertQuotient(
  db: PoolClient,
  q: { townId: string; familyId: string; qf: number; effectiveFrom: string; source: string; recordedBy: string | null; now: Date },
): Promise<void> {
  await db.query(
    `insert into family_quotients (town_id, family_id, qf, effective_from, source, recorded_by, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [q.townId, q.familyId, q.qf, q.effectiveFrom, q.source, q.recordedBy, q.now],
  );
}

/** Whether the child is already enrolled in the activity over the whole of [start, end]. */
export async function isEnrolledOver(
  db: PoolClient,
  townId: string,
  activityId: string,
  childId: string,
  start: string,
  end: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `select 1 from enrolments where town_id = $1 and activity_id = $2 and child_id = $3 and start_date <= $5 and end_date >= $4`,
    [townId, activityId, childId, start, end],
  );
  return Boolean(rowCount);
}

export async function insertEnrolment(
  db: PoolClient,
  e: { townId: string; activityId: string; childId: string; start: string; end: string; createdBy: string | null },
): Promise<void> {
  await db.query(
    `insert into enrolments (town_id, activity_id, child_id, start_date, end_date, created_by) values ($1, $2, $3, $4, $5, $6)`,
    [e.townId, e.activityId, e.childId, e.start, e.end, e.createdBy],
  );
}

export async function hasReservation(db: PoolClient, activityId: string, childId: string, day: string): Promise<boolean> {
  const { rowCount } = await db.query(`select 1 from reservations where activity_id = $1 and child_id = $2 and day = $3`, [
    activityId,
    childId,
    day,
  ]);
  return Boolean(rowCount);
}

/** The enrolment that covers the day, if any. */
export async function enrolmentOn(
  db: PoolClient,
  townId: string,
  activityId: string,
  childId: string,
  day: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `select id from enrolments where town_id = $1 and activity_id = $2 and child_id = $3 and start_date <= $4 and end_date >= $4
      order by start_date limit 1`,
    [townId, activityId, childId, day],
  );
  return rows[0]?.id;
}

/** The day's lock and counter, as every booking takes them (migration 0010). */
export async function lockActivityDay(
  db: PoolClient,
  activityId: string,
  day: string,
  capacity: number | null,
): Promise<{ capacity: number | null; booked: number }> {
  await db.query(
    `insert into activity_days (activity_id, day, capacity, booked) values ($1, $2, $3, 0) on conflict (activity_id, day) do nothing`,
    [activityId, day, capacity],
  );
  const { rows } = await db.query<{ capacity: number | null; booked: number }>(
    `select capacity, booked from activity_days where activity_id = $1 and day = $2 for update`,
    [activityId, day],
  );
  return rows[0]!;
}

export async function insertBookedReservation(
  db: PoolClient,
  r: { townId: string; activityId: string; enrolmentId: string; childId: string; day: string; now: Date },
): Promise<void> {
  await db.query(
    `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'booked', $6, $6, $6)`,
    [r.townId, r.activityId, r.enrolmentId, r.childId, r.day, r.now],
  );
}

/** The opening balance already taken from the old document, if any. */
export async function openingBalanceOf(
  db: PoolClient,
  regieId: string,
  familyId: string,
  document: string,
): Promise<{ totalCents: number; number: string } | undefined> {
  const { rows } = await db.query<{ total: string; number: string }>(
    `select total_cents as total, number from invoices where regie_id = $1 and family_id = $2 and kind = 'opening_balance' and source_ref = $3`,
    [regieId, familyId, document],
  );
  return rows[0] ? { totalCents: Number(rows[0].total), number: rows[0].number } : undefined;
}

/** The payer's name and address as an invoice prints them. */
export async function payerOf(db: PoolClient, townId: string, familyId: string): Promise<{ name: string; address: string }> {
  const { rows } = await db.query<{ name: string; address: string }>(
    `select name, btrim(concat_ws(' ', nullif(address_line, ''), nullif(postal_code, ''), nullif(city, ''))) as address
       from families where town_id = $1 and id = $2`,
    [townId, familyId],
  );
  return rows[0]!;
}

/** An invoice "Reprise de solde" and its one line (ADR 0025). */
export async function insertOpeningBalance(
  db: PoolClient,
  b: {
    townId: string;
    regieId: string;
    familyId: string;
    payer: { name: string; address: string };
    issuedOn: string;
    year: number;
    seq: number;
    number: string;
    dueOn: string;
    amountCents: number;
    document: string;
    label: string;
  },
): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `insert into invoices (town_id, regie_id, family_id, payer_name, payer_address, month, number_year, number_seq, number,
                           issued_on, due_on, total_cents, kind, source_ref)
     values ($1, $2, $3, $4, $5, date_trunc('month', $6::date)::date, $7, $8, $9, $6, $10, $11, 'opening_balance', $12)
     returning id`,
    [
      b.townId,
      b.regieId,
      b.familyId,
      b.payer.name,
      b.payer.address,
      b.issuedOn,
      b.year,
      b.seq,
      b.number,
      b.dueOn,
      b.amountCents,
      b.document,
    ],
  );
  await db.query(
    `insert into invoice_lines (town_id, invoice_id, child_name, activity_name, day, kind, category, unit_price_cents, amount_cents, reason)
     values ($1, $2, '', $3, $4, 'opening_balance', 'reprise', $5, $5, $6)`,
    [b.townId, rows[0]!.id, b.label, b.issuedOn, b.amountCents, `Reprise de solde de l'ancien portail (document ${b.document})`],
  );
}
