import type { Queryable } from '../db/pool.js';
import type { CsvCreditNote, CsvInvoice } from '../features/billing/export-csv.js';
import type { LineKind, PricedLine } from '../features/billing/pricing.js';
import { QUEUE_SCHEMA } from '../jobs/queues.js';

/**
 * Invoicing runs, the month's facts they read, invoices, their lines and credit notes. Every
 * query filters on the town. Issued rows are never updated (a trigger refuses it): see
 * migrations/0015_billing.sql and ADR 0015.
 */

// ---------------------------------------------------------------- runs

export type RunStatus = 'pending' | 'running' | 'done' | 'failed';

export interface InvoicingRun {
  id: string;
  townId: string;
  regieId: string;
  /** 'YYYY-MM-01' */
  month: string;
  status: RunStatus;
  totalFamilies: number;
  processedFamilies: number;
  invoicesCreated: number;
  familiesSkipped: number;
  amountCents: number;
  failure: string | null;
  actorLabel: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const RUN_COLUMNS = `r.id, r.town_id as "townId", r.regie_id as "regieId", r.month, r.status, r.total_families as "totalFamilies",
  r.processed_families as "processedFamilies", r.invoices_created as "invoicesCreated", r.families_skipped as "familiesSkipped",
  r.amount_cents as "amountCents", r.failure, r.actor_label as "actorLabel", r.created_at as "createdAt", r.started_at as "startedAt",
  r.finished_at as "finishedAt"`;

/** A new run, unless one of the same régie and month is under way: then undefined (the partial unique index decides, even under a race). */
export async function insertRun(
  db: Queryable,
  r: { townId: string; regieId: string; month: string; agentId: string | null; actorLabel: string; jobId: string; now: Date },
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `insert into invoicing_runs (town_id, regie_id, month, agent_id, actor_label, job_id, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (regie_id, month) where status in ('pending', 'running') do nothing
     returning id`,
    [r.townId, r.regieId, r.month, r.agentId, r.actorLabel, r.jobId, r.now],
  );
  return rows[0]?.id;
}

export async function findActiveRun(db: Queryable, townId: string, regieId: string, month: string): Promise<InvoicingRun | undefined> {
  const { rows } = await db.query<InvoicingRun>(
    `select ${RUN_COLUMNS} from invoicing_runs r where r.town_id = $1 and r.regie_id = $2 and r.month = $3 and r.status in ('pending', 'running')`,
    [townId, regieId, month],
  );
  return rows[0];
}

export async function findRun(db: Queryable, townId: string, id: string): Promise<InvoicingRun | undefined> {
  const { rows } = await db.query<InvoicingRun>(`select ${RUN_COLUMNS} from invoicing_runs r where r.town_id = $1 and r.id = $2`, [
    townId,
    id,
  ]);
  return rows[0];
}

export async function listRuns(db: Queryable, townId: string, limit = 20): Promise<InvoicingRun[]> {
  const { rows } = await db.query<InvoicingRun>(
    `select ${RUN_COLUMNS} from invoicing_runs r where r.town_id = $1 order by r.created_at desc, r.id limit $2`,
    [townId, limit],
  );
  return rows;
}

/** The run's town, for the job that only carries its id. */
export async function runTown(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ townId: string }>(`select town_id as "townId" from invoicing_runs where id = $1`, [id]);
  return rows[0]?.townId;
}

/**
 * Takes the run when nobody holds it (pending, or running with an expired lease: its worker
 * died) and gives it a new token: a worker whose lease was taken over finds out at its next batch.
 */
export async function claimRun(
  db: Queryable,
  townId: string,
  id: string,
  token: string,
  now: Date,
  leaseSeconds: number,
): Promise<InvoicingRun | undefined> {
  const { rows } = await db.query<InvoicingRun>(
    `update invoicing_runs r set status = 'running', claim_token = $3, lease_until = $4::timestamptz + make_interval(secs => $5),
            started_at = coalesce(r.started_at, $4)
      where r.town_id = $1 and r.id = $2 and r.status in ('pending', 'running') and (r.lease_until is null or r.lease_until <= $4)
     returning ${RUN_COLUMNS}`,
    [townId, id, token, now, leaseSeconds],
  );
  return rows[0];
}

/**
 * Runs left under way that nothing will resume, in every town: nobody holds them (no lease,
 * or an expired one) and their job is over (failed, cancelled, completed or deleted) instead of
 * waiting, retrying or running. The unique index would otherwise refuse their month forever.
 */
export async function listAbandonedRuns(db: Queryable, now: Date): Promise<InvoicingRun[]> {
  const { rows } = await db.query<InvoicingRun>(
    `select ${RUN_COLUMNS} from invoicing_runs r
      where r.status in ('pending', 'running') and (r.lease_until is null or r.lease_until <= $1)
        and not exists (select 1 from ${QUEUE_SCHEMA}.job j
                          where j.name = 'invoicing' and j.id = r.job_id and j.state in ('created', 'retry', 'active'))`,
    [now],
  );
  return rows;
}

/**
 * The run's counters as a (re)started attempt finds them: the families of the month, those
 * already invoiced (processed), and among them those invoiced before this run (skipped).
 */
export async function setRunStart(
  db: Queryable,
  townId: string,
  id: string,
  token: string,
  c: { totalFamilies: number; processedFamilies: number; familiesSkipped: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update invoicing_runs set total_families = $4, processed_families = $5, families_skipped = $6
      where town_id = $1 and id = $2 and claim_token = $3 and status = 'running'`,
    [townId, id, token, c.totalFamilies, c.processedFamilies, c.familiesSkipped],
  );
  return rowCount === 1;
}

/** Moves the progress forward and extends the lease, in the batch's transaction; false when the run was taken over. */
export async function advanceRun(
  db: Queryable,
  townId: string,
  id: string,
  token: string,
  p: { families: number; invoices: number; skipped: number; amountCents: number; now: Date; leaseSeconds: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update invoicing_runs set processed_families = processed_families + $4, invoices_created = invoices_created + $5,
            families_skipped = families_skipped + $6, amount_cents = amount_cents + $7,
            lease_until = $8::timestamptz + make_interval(secs => $9)
      where town_id = $1 and id = $2 and claim_token = $3 and status = 'running'`,
    [townId, id, token, p.families, p.invoices, p.skipped, p.amountCents, p.now, p.leaseSeconds],
  );
  return rowCount === 1;
}

export async function finishRun(
  db: Queryable,
  townId: string,
  id: string,
  token: string | null,
  outcome: { status: 'done' | 'failed'; failure: string | null; now: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update invoicing_runs set status = $4, failure = $5, finished_at = $6, lease_until = null
      where town_id = $1 and id = $2 and status in ('pending', 'running') and ($3::uuid is null or claim_token = $3)`,
    [townId, id, token, outcome.status, outcome.failure, outcome.now],
  );
  return rowCount === 1;
}

// ---------------------------------------------------------------- the month's facts

/**
 * The child-activity-days of a régie's month that may bill something: a confirmed booking,
 * or a sheet saying the child was booked or came. (A sheet lists every enrolled child: one
 * neither booked nor present, like a justified absence without a booking, bills nothing
 * and says nothing.)
 */
const MONTH_KEYS = `
  acts as (select id from activities where town_id = $1 and regie_id = $2),
  keys as (
    select r.child_id, r.activity_id, r.day from reservations r join acts on acts.id = r.activity_id
     where r.town_id = $1 and r.day between $3 and $4 and r.status = 'booked' and r.confirmed_at is not null
    union
    select at.child_id, at.activity_id, at.day from attendance at join acts on acts.id = at.activity_id
     where at.town_id = $1 and at.day between $3 and $4 and (at.present or at.reserved)
  )`;

/** The families with something to bill in the month, in the order numbers are given. */
export async function listFamiliesToInvoice(db: Queryable, townId: string, regieId: string, from: string, to: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `with ${MONTH_KEYS}
     select distinct c.family_id as id from keys k join children c on c.id = k.child_id and c.town_id = $1 order by 1`,
    [townId, regieId, from, to],
  );
  return rows.map((r) => r.id);
}

/** The first day of the month each activity has something to bill, for the tariff check before a run. */
export async function firstBillableDays(
  db: Queryable,
  townId: string,
  regieId: string,
  from: string,
  to: string,
): Promise<{ activityId: string; name: string; day: string }[]> {
  const { rows } = await db.query<{ activityId: string; name: string; day: string }>(
    `with ${MONTH_KEYS}
     select k.activity_id as "activityId", a.name, min(k.day) as day
       from keys k join activities a on a.id = k.activity_id and a.town_id = $1
      group by k.activity_id, a.name order by a.name`,
    [townId, regieId, from, to],
  );
  return rows;
}

/** Which of these families already have an invoice of the régie's month (a repeated run skips them). */
export async function invoicedFamilies(
  db: Queryable,
  townId: string,
  regieId: string,
  month: string,
  familyIds: string[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ familyId: string }>(
    `select distinct family_id as "familyId" from invoices
      where town_id = $1 and regie_id = $2 and month = $3 and family_id = any($4::uuid[]) and kind = 'monthly'`,
    [townId, regieId, month, familyIds],
  );
  return new Set(rows.map((r) => r.familyId));
}

/** The families this run has invoiced (a resumed run does not count them as skipped). */
export async function familiesInvoicedByRun(db: Queryable, townId: string, runId: string): Promise<Set<string>> {
  const { rows } = await db.query<{ familyId: string }>(
    `select distinct family_id as "familyId" from invoices where town_id = $1 and run_id = $2`,
    [townId, runId],
  );
  return new Set(rows.map((r) => r.familyId));
}

export interface MonthFact {
  familyId: string;
  childId: string;
  activityId: string;
  day: string;
  reservationId: string | null;
  bookedBy: string | null;
  present: boolean | null;
  reserved: boolean | null;
  absenceRequestId: string | null;
}

/** Every child-activity-day of these families' month, with the rows behind it. */
export async function listMonthFacts(
  db: Queryable,
  townId: string,
  regieId: string,
  familyIds: string[],
  from: string,
  to: string,
): Promise<MonthFact[]> {
  // The batch's own rows first, read by child through the (town_id, child_id, day) indexes
  // (`offset 0` keeps the planner from flattening the lateral reads into hash joins over the
  // whole town's month), then joined among themselves: a batch costs the same in a town of
  // 2 000 families or 10 000, where scanning the month for every batch made a run grow with
  // the square of the town's size (docs/performance.md, "Invoicing run").
  const { rows } = await db.query<MonthFact>(
    `with acts as (select id from activities where town_id = $1 and regie_id = $2),
          kids as materialized (select id, family_id from children where town_id = $1 and family_id = any($5::uuid[])),
          booked as materialized (
            select r.* from kids cross join lateral (
              select r.id, r.child_id, r.activity_id, r.day, r.submission_id from reservations r
               where r.town_id = $1 and r.child_id = kids.id and r.day between $3 and $4 and r.status = 'booked'
                 and r.confirmed_at is not null and r.activity_id in (select id from acts) offset 0) r
          ),
          sheets as materialized (
            select at.* from kids cross join lateral (
              select at.child_id, at.activity_id, at.day, at.present, at.reserved from attendance at
               where at.town_id = $1 and at.child_id = kids.id and at.day between $3 and $4
                 and at.activity_id in (select id from acts) offset 0) at
          ),
          keys as (
            select child_id, activity_id, day from booked
            union
            select child_id, activity_id, day from sheets where present or reserved
          )
     select kids.family_id as "familyId", k.child_id as "childId", k.activity_id as "activityId", k.day,
            r.id as "reservationId", s.account_id as "bookedBy", at.present, at.reserved, ab.request_id as "absenceRequestId"
       from keys k
       join kids on kids.id = k.child_id
       left join booked r on r.activity_id = k.activity_id and r.child_id = k.child_id and r.day = k.day
       left join reservation_submissions s on s.id = r.submission_id and s.town_id = $1
       left join sheets at on at.activity_id = k.activity_id and at.day = k.day and at.child_id = k.child_id
       left join lateral (
         select ad.request_id from absence_days ad
          where ad.town_id = $1 and ad.activity_id = k.activity_id and ad.child_id = k.child_id and ad.day = k.day and ad.justified
          order by ad.request_id limit 1
       ) ab on true
      order by kids.family_id, k.day, k.child_id, k.activity_id`,
    [townId, regieId, from, to, familyIds],
  );
  return rows;
}

export interface EnrolmentSpan {
  familyId: string;
  childId: string;
  activityId: string;
  birthDate: string | null;
  startDate: string;
  endDate: string;
}

/** The enrolments of these families' children in the régie's activities over the month: the sibling ranks. */
export async function listEnrolmentSpans(
  db: Queryable,
  townId: string,
  activityIds: string[] | { regieId: string },
  familyIds: string[],
  from: string,
  to: string,
): Promise<EnrolmentSpan[]> {
  const byRegie = !Array.isArray(activityIds);
  const { rows } = await db.query<EnrolmentSpan>(
    `select c.family_id as "familyId", e.child_id as "childId", e.activity_id as "activityId", c.birth_date as "birthDate",
            e.start_date as "startDate", e.end_date as "endDate"
       from enrolments e
       join children c on c.id = e.child_id and c.town_id = e.town_id
       join activities a on a.id = e.activity_id and a.town_id = e.town_id
      where e.town_id = $1 and c.family_id = any($2::uuid[]) and e.start_date <= $4 and e.end_date >= $3
        and ${byRegie ? 'a.regie_id = $5' : 'a.id = any($5::uuid[])'}`,
    [townId, familyIds, from, to, byRegie ? activityIds.regieId : activityIds],
  );
  return rows;
}

export interface FamilyBillingRow {
  id: string;
  name: string;
  postalCode: string;
  address: string;
  splitInvoicing: boolean;
  payerAdultId: string | null;
  payerFirstNames: string | null;
  payerLastName: string | null;
}

export async function listFamiliesForBilling(db: Queryable, townId: string, familyIds: string[]): Promise<FamilyBillingRow[]> {
  const { rows } = await db.query<FamilyBillingRow>(
    `select f.id, f.name, f.postal_code as "postalCode",
            btrim(concat_ws(' ', nullif(f.address_line, ''), nullif(concat_ws(' ', nullif(f.postal_code, ''), nullif(f.city, '')), ''))) as address,
            f.split_invoicing as "splitInvoicing", f.payer_adult_id as "payerAdultId",
            a.first_names as "payerFirstNames", a.last_name as "payerLastName"
       from families f
       left join family_adults a on a.id = f.payer_adult_id and a.town_id = f.town_id
      where f.town_id = $1 and f.id = any($2::uuid[])`,
    [townId, familyIds],
  );
  return rows;
}

export interface AccountPayerRow {
  id: string;
  firstNames: string;
  lastName: string;
  address: string;
}

/** The parents of split invoices, with the address of their own account. */
export async function listAccountPayers(db: Queryable, townId: string, accountIds: string[]): Promise<AccountPayerRow[]> {
  if (accountIds.length === 0) return [];
  const { rows } = await db.query<AccountPayerRow>(
    `select id, first_names as "firstNames", last_name as "lastName",
            btrim(concat_ws(' ', nullif(concat_ws(' ', nullif(address_number, ''), nullif(address_street, '')), ''),
                  nullif(concat_ws(' ', nullif(postal_code, ''), nullif(city, '')), ''))) as address
       from accounts where town_id = $1 and id = any($2::uuid[])`,
    [townId, accountIds],
  );
  return rows;
}

/** Names the lines copy: the children and activities of the month. */
export async function listNames(
  db: Queryable,
  townId: string,
  childIds: string[],
  activityIds: string[],
): Promise<{ children: Map<string, { firstNames: string; lastName: string }>; activities: Map<string, string> }> {
  // One after the other: inside a transaction `db` is one client.
  const c = await db.query<{ id: string; firstNames: string; lastName: string }>(
    `select id, first_names as "firstNames", last_name as "lastName" from children where town_id = $1 and id = any($2::uuid[])`,
    [townId, childIds],
  );
  const a = await db.query<{ id: string; name: string }>(`select id, name from activities where town_id = $1 and id = any($2::uuid[])`, [
    townId,
    activityIds,
  ]);
  return {
    children: new Map(c.rows.map((r) => [r.id, { firstNames: r.firstNames, lastName: r.lastName }])),
    activities: new Map(a.rows.map((r) => [r.id, r.name])),
  };
}

export async function listRegieActivityIds(db: Queryable, townId: string, regieId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from activities where town_id = $1 and regie_id = $2 order by id`, [
    townId,
    regieId,
  ]);
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------- numbering

/**
 * Takes `count` numbers of a régie's series for the year and returns the last one (the
 * series' counter row is created at 0 if need be). The row stays locked until the
 * transaction ends: a rollback gives the numbers back, so the series has no gap, and two
 * transactions numbering in the same series wait for each other. `count` 0 only takes the
 * lock (a run takes it before checking who is already invoiced).
 */
export async function takeNumbers(
  db: Queryable,
  townId: string,
  regieId: string,
  kind: 'invoice' | 'credit_note',
  year: number,
  count: number,
): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `insert into billing_counters (town_id, regie_id, kind, year, last_number)
     select $1, id, $3, $4, $5 from regies where town_id = $1 and id = $2
     on conflict (regie_id, kind, year) do update set last_number = billing_counters.last_number + $5
     returning last_number as n`,
    [townId, regieId, kind, year, count],
  );
  const n = rows[0]?.n;
  if (n === undefined) throw new Error('no such régie in the town');
  return n;
}

// ---------------------------------------------------------------- what a régie's setup may no longer change

/** Whether the régie has issued an invoice or a credit note: its code is then printed in their numbers. */
export async function regieHasIssued(db: Queryable, townId: string, regieId: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from invoices where town_id = $1 and regie_id = $2
     union all
     select 1 from credit_notes where town_id = $1 and regie_id = $2
     limit 1`,
    [townId, regieId],
  );
  return rows.length > 0;
}

/**
 * A number of the town that a régie with this code would print again (`CODE-…` for an
 * invoice, `AV-CODE-…` for a credit note), left by a régie that had the code before; undefined
 * when there is none. Codes are capitals and digits: nothing in them is a LIKE wildcard.
 */
export async function numberWithCode(db: Queryable, townId: string, code: string): Promise<string | undefined> {
  const { rows } = await db.query<{ number: string }>(
    `(select number from invoices where town_id = $1 and number like $2 || '-%' limit 1)
     union all
     (select number from credit_notes where town_id = $1 and number like 'AV-' || $2 || '-%' limit 1)
     limit 1`,
    [townId, code],
  );
  return rows[0]?.number;
}

/**
 * Among these activities, those not yet in `regieId` (null: a régie being created) with lines
 * on invoices of another régie, with the name of the régie that invoiced them last: put in
 * this régie, their days would be invoiced a second time, since a run picks a régie's
 * activities by their current régie. Activities the régie already collects are left alone, so
 * saving its form again is never refused for what it had.
 */
export async function activitiesInvoicedElsewhere(
  db: Queryable,
  townId: string,
  regieId: string | null,
  activityIds: string[],
): Promise<{ activityId: string; activityName: string; regieName: string }[]> {
  const { rows } = await db.query<{ activityId: string; activityName: string; regieName: string }>(
    `select a.id as "activityId", a.name as "activityName", last.name as "regieName"
       from activities a
       cross join lateral (
         select r.name from invoice_lines l
           join invoices i on i.town_id = l.town_id and i.id = l.invoice_id
           join regies r on r.town_id = i.town_id and r.id = i.regie_id
          where l.town_id = a.town_id and l.activity_id = a.id and ($2::uuid is null or i.regie_id <> $2)
          order by i.issued_on desc, i.number desc
          limit 1) last
      where a.town_id = $1 and a.id = any($3::uuid[]) and ($2::uuid is null or a.regie_id is distinct from $2)
      order by a.name, a.id`,
    [townId, regieId, activityIds],
  );
  return rows;
}

// ---------------------------------------------------------------- invoices

export interface NewInvoice {
  regieId: string;
  runId: string | null;
  familyId: string;
  accountId: string | null;
  split: boolean;
  payerAdultId: string | null;
  payerName: string;
  payerAddress: string;
  month: string;
  numberYear: number;
  numberSeq: number;
  number: string;
  issuedOn: string;
  dueOn: string;
  totalCents: number;
}

/**
 * Inserts invoices in one statement and returns their ids by number. A family already
 * invoiced for the month makes it fail (invoices_once_idx): callers check first, under the
 * series' lock, and a failure rolls the whole batch back, its numbers with it.
 */
export async function insertInvoices(db: Queryable, townId: string, list: NewInvoice[]): Promise<Map<number, string>> {
  if (list.length === 0) return new Map();
  const col = <K extends keyof NewInvoice>(k: K) => list.map((i) => i[k]);
  const { rows } = await db.query<{ id: string; seq: number }>(
    `insert into invoices (town_id, regie_id, run_id, family_id, account_id, split, payer_adult_id, payer_name, payer_address, month,
                           number_year, number_seq, number, issued_on, due_on, total_cents)
     select $1, i.* from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::boolean[], $7::uuid[], $8::text[], $9::text[], $10::date[],
                                $11::int[], $12::int[], $13::text[], $14::date[], $15::date[], $16::bigint[])
       as i(regie_id, run_id, family_id, account_id, split, payer_adult_id, payer_name, payer_address, month, number_year, number_seq,
            number, issued_on, due_on, total_cents)
     returning id, number_seq as seq`,
    [
      townId,
      col('regieId'),
      col('runId'),
      col('familyId'),
      col('accountId'),
      col('split'),
      col('payerAdultId'),
      col('payerName'),
      col('payerAddress'),
      col('month'),
      col('numberYear'),
      col('numberSeq'),
      col('number'),
      col('issuedOn'),
      col('dueOn'),
      col('totalCents'),
    ],
  );
  return new Map(rows.map((r) => [r.seq, r.id]));
}

export type NewLine = PricedLine & { invoiceId: string; childName: string; activityName: string };

/** The lines of many invoices in one statement. */
export async function insertLines(db: Queryable, townId: string, lines: NewLine[]): Promise<void> {
  if (lines.length === 0) return;
  const col = <K extends keyof NewLine>(k: K) => lines.map((l) => l[k]);
  await db.query(
    `insert into invoice_lines (town_id, invoice_id, child_id, child_name, activity_id, activity_name, day, kind, category, unit_price_cents,
                                surcharge_bp, amount_cents, reason, tariff_id, qf, sibling_rank, resident, reservation_id, attendance_recorded,
                                absence_request_id)
     select $1, l.* from unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::date[], $8::text[], $9::text[], $10::int[],
                                $11::int[], $12::int[], $13::text[], $14::uuid[], $15::int[], $16::smallint[], $17::boolean[], $18::uuid[],
                                $19::boolean[], $20::uuid[])
       as l(invoice_id, child_id, child_name, activity_id, activity_name, day, kind, category, unit_price_cents, surcharge_bp, amount_cents,
            reason, tariff_id, qf, sibling_rank, resident, reservation_id, attendance_recorded, absence_request_id)`,
    [
      townId,
      col('invoiceId'),
      col('childId'),
      col('childName'),
      col('activityId'),
      col('activityName'),
      col('day'),
      col('kind'),
      col('category'),
      col('unitPriceCents'),
      col('surchargeBp'),
      col('amountCents'),
      col('reason'),
      col('tariffId'),
      col('qf'),
      col('siblingRank'),
      col('resident'),
      col('reservationId'),
      col('attendanceRecorded'),
      col('absenceRequestId'),
    ],
  );
}

export interface Invoice {
  id: string;
  regieId: string;
  familyId: string;
  accountId: string | null;
  split: boolean;
  payerName: string;
  payerAddress: string;
  month: string;
  number: string;
  numberYear: number;
  numberSeq: number;
  issuedOn: string;
  dueOn: string;
  totalCents: number;
  status: 'issued' | 'paid';
  creditsCents: number;
}

const INVOICE_COLUMNS = `i.id, i.regie_id as "regieId", i.family_id as "familyId", i.account_id as "accountId", i.split,
  i.payer_name as "payerName", i.payer_address as "payerAddress", i.month, i.number, i.number_year as "numberYear",
  i.number_seq as "numberSeq", i.issued_on as "issuedOn", i.due_on as "dueOn", i.total_cents as "totalCents", i.status,
  coalesce((select sum(cn.amount_cents) from credit_notes cn where cn.invoice_id = i.id), 0)::bigint as "creditsCents"`;

export async function findInvoice(db: Queryable, townId: string, id: string): Promise<Invoice | undefined> {
  const { rows } = await db.query<Invoice>(`select ${INVOICE_COLUMNS} from invoices i where i.town_id = $1 and i.id = $2`, [townId, id]);
  return rows[0];
}

/**
 * A family's invoices, newest first, as one parent may see them: the family's own, and
 * the split ones of this account only (a separated parent never sees the other's).
 */
export async function listFamilyInvoices(db: Queryable, townId: string, familyId: string, accountId: string | null): Promise<Invoice[]> {
  const { rows } = await db.query<Invoice>(
    `select ${INVOICE_COLUMNS} from invoices i
      where i.town_id = $1 and i.family_id = $2 and (not i.split or i.account_id = $3)
      order by i.month desc, i.number desc`,
    [townId, familyId, accountId],
  );
  return rows;
}

/** One invoice as a parent may open it (the family's own, or a split one of this account); undefined otherwise. */
export async function findFamilyInvoice(
  db: Queryable,
  townId: string,
  familyId: string,
  accountId: string | null,
  id: string,
): Promise<Invoice | undefined> {
  const { rows } = await db.query<Invoice>(
    `select ${INVOICE_COLUMNS} from invoices i
      where i.town_id = $1 and i.family_id = $2 and i.id = $4 and (not i.split or i.account_id = $3)`,
    [townId, familyId, accountId, id],
  );
  return rows[0];
}

/** A régie's invoices of a month, in number order (the agents' list and the exports). */
export async function listMonthInvoices(db: Queryable, townId: string, regieId: string, month: string): Promise<Invoice[]> {
  const { rows } = await db.query<Invoice>(
    `select ${INVOICE_COLUMNS} from invoices i where i.town_id = $1 and i.regie_id = $2 and i.month = $3 order by i.number_year, i.number_seq`,
    [townId, regieId, month],
  );
  return rows;
}

export interface InvoiceLine {
  id: string;
  childId: string | null;
  childName: string;
  activityId: string | null;
  activityName: string;
  day: string;
  kind: LineKind;
  category: 'repas' | 'garde';
  unitPriceCents: number;
  surchargeBp: number;
  amountCents: number;
  reason: string;
  qf: number | null;
  siblingRank: number;
  reservationId: string | null;
  attendanceRecorded: boolean;
  absenceRequestId: string | null;
}

export async function listInvoiceLines(db: Queryable, townId: string, invoiceId: string): Promise<InvoiceLine[]> {
  const { rows } = await db.query<InvoiceLine>(
    `select id, child_id as "childId", child_name as "childName", activity_id as "activityId", activity_name as "activityName", day, kind,
            category, unit_price_cents as "unitPriceCents", surcharge_bp as "surchargeBp", amount_cents as "amountCents", reason, qf,
            sibling_rank as "siblingRank", reservation_id as "reservationId", attendance_recorded as "attendanceRecorded",
            absence_request_id as "absenceRequestId"
       from invoice_lines where town_id = $1 and invoice_id = $2
      order by day, child_name, activity_name, id`,
    [townId, invoiceId],
  );
  return rows;
}

// ---------------------------------------------------------------- credit notes

/** The invoice, locked until the transaction ends: two credit notes on it are decided one after the other. */
export async function lockInvoice(db: Queryable, townId: string, id: string): Promise<Invoice | undefined> {
  await db.query(`select 1 from invoices where town_id = $1 and id = $2 for update`, [townId, id]);
  return findInvoice(db, townId, id);
}

export interface NewCreditNote {
  townId: string;
  regieId: string;
  invoiceId: string;
  numberYear: number;
  numberSeq: number;
  number: string;
  amountCents: number;
  reason: string;
  issuedOn: string;
  agentId: string | null;
  actorLabel: string;
}

export async function insertCreditNote(db: Queryable, c: NewCreditNote): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into credit_notes (town_id, regie_id, invoice_id, number_year, number_seq, number, amount_cents, reason, issued_on, agent_id, actor_label)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
    [c.townId, c.regieId, c.invoiceId, c.numberYear, c.numberSeq, c.number, c.amountCents, c.reason, c.issuedOn, c.agentId, c.actorLabel],
  );
  return rows[0]!.id;
}

export interface CreditNote {
  id: string;
  invoiceId: string;
  number: string;
  amountCents: number;
  reason: string;
  issuedOn: string;
  actorLabel: string;
}

export async function listCreditNotes(db: Queryable, townId: string, invoiceId: string): Promise<CreditNote[]> {
  const { rows } = await db.query<CreditNote>(
    `select id, invoice_id as "invoiceId", number, amount_cents as "amountCents", reason, issued_on as "issuedOn", actor_label as "actorLabel"
       from credit_notes where town_id = $1 and invoice_id = $2 order by number_year, number_seq`,
    [townId, invoiceId],
  );
  return rows;
}

// ---------------------------------------------------------------- exports

/** A régie's documents issued between two days (the accounting's month), in number order. */
export async function listIssuedDocuments(
  db: Queryable,
  townId: string,
  regieId: string,
  from: string,
  to: string,
): Promise<{ invoices: CsvInvoice[]; creditNotes: CsvCreditNote[] }> {
  const inv = await db.query<CsvInvoice>(
    `select number, issued_on as "issuedOn", due_on as "dueOn", payer_name as "payerName", month, total_cents as "totalCents"
       from invoices where town_id = $1 and regie_id = $2 and issued_on between $3 and $4 order by number_year, number_seq`,
    [townId, regieId, from, to],
  );
  const notes = await db.query<CsvCreditNote>(
    `select cn.number, cn.issued_on as "issuedOn", i.number as "invoiceNumber", i.payer_name as "payerName", cn.amount_cents as "amountCents", cn.reason
       from credit_notes cn join invoices i on i.id = cn.invoice_id and i.town_id = cn.town_id
      where cn.town_id = $1 and cn.regie_id = $2 and cn.issued_on between $3 and $4 order by cn.number_year, cn.number_seq`,
    [townId, regieId, from, to],
  );
  return { invoices: inv.rows, creditNotes: notes.rows };
}

// ---------------------------------------------------------------- the agents' lists (bill-runs)

export type InvoiceStatusFilter = 'a_payer' | 'payee' | 'en_retard';

export interface InvoiceSearch {
  /** 'YYYY-MM-01' */
  month?: string;
  regieId?: string;
  status?: InvoiceStatusFilter;
  /** Part of the family's name, the payer's name or the invoice number. */
  q?: string;
  familyId?: string;
}

export type InvoiceListRow = Invoice & { familyName: string; regieCode: string };

/**
 * The town's invoices for the agents, newest month first then by number, with the same
 * status rule as `invoiceStatus` (payée: paid, or nothing left once credit notes are
 * deducted; en retard: due before `today`), so the filter and the label cannot disagree.
 */
export async function searchInvoices(
  db: Queryable,
  townId: string,
  s: InvoiceSearch,
  today: string,
  limit: number,
  offset: number,
): Promise<{ rows: InvoiceListRow[]; total: number }> {
  const pattern = s.q ? `%${s.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const { rows } = await db.query<InvoiceListRow & { total: number; shown: string }>(
    `with listed as (
       select ${INVOICE_COLUMNS}, f.name as "familyName", r.code as "regieCode"
         from invoices i
         join families f on f.town_id = i.town_id and f.id = i.family_id
         join regies r on r.town_id = i.town_id and r.id = i.regie_id
        where i.town_id = $1
          and ($2::date is null or i.month = $2)
          and ($3::uuid is null or i.regie_id = $3)
          and ($4::uuid is null or i.family_id = $4)
          and ($5::text is null or fold_text(f.name) like fold_text($5) or fold_text(i.payer_name) like fold_text($5)
               or lower(i.number) like lower($5))
     ), classified as (
       select l.*, case when l.status = 'paid' or l."totalCents" - l."creditsCents" <= 0 then 'payee'
                        when l."dueOn" < $6 then 'en_retard' else 'a_payer' end as shown
         from listed l
     )
     select c.*, count(*) over ()::int as total from classified c
      where $7::text is null or c.shown = $7
      order by c.month desc, c."numberYear" desc, c."numberSeq" desc
      limit $8 offset $9`,
    [townId, s.month ?? null, s.regieId ?? null, s.familyId ?? null, pattern, today, s.status ?? null, limit, offset],
  );
  if (rows.length === 0 && offset > 0) {
    const count = await searchInvoices(db, townId, s, today, 1, 0);
    return { rows: [], total: count.total };
  }
  return { rows: rows.map(({ total: _t, shown: _s, ...r }) => r), total: rows[0]?.total ?? 0 };
}

/**
 * What a family owes the régies: its invoices not paid, less their credit notes (an invoice
 * credited beyond nothing counts 0). Payments arrive with the next issue as `status = 'paid'`.
 */
export async function familyBalance(db: Queryable, townId: string, familyId: string): Promise<number> {
  const { rows } = await db.query<{ due: number }>(
    `select coalesce(sum(greatest(0, i.total_cents
              - coalesce((select sum(cn.amount_cents) from credit_notes cn where cn.invoice_id = i.id), 0))), 0)::bigint as due
       from invoices i where i.town_id = $1 and i.family_id = $2 and i.status <> 'paid'`,
    [townId, familyId],
  );
  return rows[0]?.due ?? 0;
}

// ---------------------------------------------------------------- parents' documents (bill-parents)
// What "Édition de documents" reads: the invoices a parent may see that were paid in a
// period, and their childcare lines. Payments arrive with the next issue; until then an
// invoice's `status` and `paid_at` are the only record of its payment.

export interface PaidInvoice extends Invoice {
  paidAt: Date;
}

/**
 * The invoices one parent may see (as listFamilyInvoices: the family's, and their own split
 * ones) paid between two instants, `from` included, `to` excluded, in payment order.
 */
export async function listPaidFamilyInvoices(
  db: Queryable,
  townId: string,
  familyId: string,
  accountId: string | null,
  from: Date,
  to: Date,
): Promise<PaidInvoice[]> {
  const { rows } = await db.query<PaidInvoice>(
    `select ${INVOICE_COLUMNS}, i.paid_at as "paidAt" from invoices i
      where i.town_id = $1 and i.family_id = $2 and (not i.split or i.account_id = $3)
        and i.status = 'paid' and i.paid_at >= $4 and i.paid_at < $5
      order by i.paid_at, i.number`,
    [townId, familyId, accountId, from, to],
  );
  return rows;
}

export interface GardeLine {
  invoiceId: string;
  childId: string | null;
  childName: string;
  /** The child's birth date today (null: unknown, or the child left the file). */
  birthDate: string | null;
  kind: LineKind;
  unitPriceCents: number;
  amountCents: number;
}

/** The childcare (`garde`) lines of the given invoices, child by child. */
export async function listGardeLines(db: Queryable, townId: string, invoiceIds: string[]): Promise<GardeLine[]> {
  if (invoiceIds.length === 0) return [];
  const { rows } = await db.query<GardeLine>(
    `select l.invoice_id as "invoiceId", l.child_id as "childId", l.child_name as "childName", c.birth_date as "birthDate", l.kind,
            l.unit_price_cents as "unitPriceCents", l.amount_cents as "amountCents"
       from invoice_lines l left join children c on c.id = l.child_id and c.town_id = l.town_id
      where l.town_id = $1 and l.invoice_id = any($2::uuid[]) and l.category = 'garde'
      order by l.child_name, l.day, l.id`,
    [townId, invoiceIds],
  );
  return rows;
}

/**
 * Records an invoice's payment: the only change an issued invoice accepts (the trigger of
 * 0015 lets `status` and `paid_at` move). The payments of the next issue call it; tests
 * use it meanwhile to have paid invoices. False when the invoice is not of the town or
 * already paid.
 */
export async function setInvoicePaid(db: Queryable, townId: string, invoiceId: string, paidAt: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `update invoices set status = 'paid', paid_at = $3 where town_id = $1 and id = $2 and status = 'issued'`,
    [townId, invoiceId, paidAt],
  );
  return rowCount === 1;
}
