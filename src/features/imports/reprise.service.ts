import { withTransaction, type PoolClient } from '../../db/pool.js';
import { takeNumbers } from '../../repositories/billing-invoices.repository.js';
import * as jobs from '../../repositories/import-jobs.repository.js';
import { invoiceNumber } from '../billing/invoicing.service.js';
import type { ImportIssue, ImportJob } from '../../repositories/import-jobs.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { parseCsv } from './csv.js';
import {
  frDate,
  plain,
  readRepriseHeader,
  readRepriseRow,
  rowKey,
  type ChildRef,
  type RepriseKind,
  type RepriseRow,
} from './reprise-format.js';

/**
 * The old portal's enrolments, reservations to come and quotients familiaux (ADR 0025).
 * A file is imported in ONE transaction: these files are small next to the families' (a
 * town's reservations to come are a few thousand rows) and a row depends on the database
 * only (the family, child and activity already there), so there is no slow second phase to
 * make visible early. One transaction means nothing half-imported: a crash leaves the file
 * untouched and the job resumes from its first row. Rows already in the database (by the
 * natural key of what they create) are counted as such and left alone: the same file
 * imported twice creates nothing the second time.
 */

type Outcome = { kind: 'created' } | { kind: 'existing' } | { kind: 'rejected'; reasons: string[] };

interface Activity {
  id: string;
  name: string;
  site: string;
  startDate: string;
  endDate: string;
  weekdays: number[];
  capacity: number | null;
}
interface Child {
  id: string;
  familyRef: string;
  firstNames: string;
  birthDate: string | null;
}

const norm = plain;

export type RepriseResult = 'done' | 'lost' | { failure: string };

export async function importReprise(
  ctx: ServiceContext & Pick<AppDeps, 'logger'>,
  town: Town,
  job: ImportJob & { kind: RepriseKind },
  text: string,
  today: string,
  leaseMs: number,
): Promise<RepriseResult> {
  const parsed = parseCsv(text);
  const header = readRepriseHeader(job.kind, parsed.records[0]);
  if (!header.ok) return { failure: header.message };
  return withTransaction(ctx.pool, async (db) => {
    const state = await jobs.lockJob(db, job.id);
    if (!state || state.status !== 'running') return 'lost' as const;
    // Committed by an earlier attempt that died before closing the job: only the closing is left.
    if (state.processedRows > 0) return 'done' as const;
    const now = ctx.clock.now();
    const issues: ImportIssue[] = [];
    const reject = (line: number, reasons: string[]) =>
      issues.push(...reasons.map((message) => ({ lineNumber: line, kind: 'rejected' as const, message })));
    const rows: RepriseRow[] = [];
    const seen = new Map<string, number>();
    let processed = 0;
    for (const record of parsed.records.slice(1)) {
      const read = readRepriseRow(header.header, record, today);
      if (read.kind === 'empty') continue;
      processed += 1;
      if (read.kind === 'rejected') {
        reject(read.line, read.reasons);
        continue;
      }
      const key = rowKey(read.row);
      const first = seen.get(key);
      if (first !== undefined) {
        reject(read.row.line, [`Cette ligne répète la ligne ${first} du fichier : elle est ignorée`]);
        continue;
      }
      seen.set(key, read.row.line);
      rows.push(read.row);
    }
    if (parsed.unterminatedQuoteAt !== undefined) {
      reject(parsed.unterminatedQuoteAt, [
        'Un guillemet ouvert sur cette ligne n’est jamais fermé : la suite du fichier n’a pas pu être lue',
      ]);
    }

    const refOf = (r: RepriseRow) => (r.kind === 'quotients' || r.kind === 'soldes' ? r.reference : r.child.reference);
    const refs = [...new Set(rows.map((r) => refOf(r).toLowerCase()))];
    const families = await familiesByRef(db, town.id, refs);
    const byChild = job.kind === 'inscriptions' || job.kind === 'reservations';
    const children = byChild ? await childrenOf(db, town.id, [...families.values()]) : [];
    const activities = byChild ? await activitiesOf(db, town.id) : [];
    const regies = job.kind === 'soldes' ? await regiesOf(db, town.id) : [];

    const outcomes = new Map<RepriseRow, Outcome>();
    // Reservations in (activity, day) order: the order every booking locks its day in, so no deadlock with parents booking.
    const ordered: { row: RepriseRow; activity?: Activity; child?: Child; familyId?: string }[] = [];
    for (const row of rows) {
      const ref = refOf(row);
      const familyId = families.get(ref.toLowerCase());
      if (!familyId) {
        outcomes.set(row, {
          kind: 'rejected',
          reasons: [
            `Colonne reference_famille : aucune famille de la commune n'a la référence « ${ref} » (importez d'abord le fichier des familles)`,
          ],
        });
        continue;
      }
      if (row.kind === 'quotients' || row.kind === 'soldes') {
        ordered.push({ row, familyId });
        continue;
      }
      const reasons: string[] = [];
      const child = findChild(children, familyId, row.child, reasons);
      const activity = findActivity(activities, row, reasons);
      if (!child || !activity) outcomes.set(row, { kind: 'rejected', reasons });
      else ordered.push({ row, activity, child, familyId });
    }
    ordered.sort((a, b) =>
      a.row.kind === 'reservations' && b.row.kind === 'reservations'
        ? a.activity!.id.localeCompare(b.activity!.id) || a.row.day.localeCompare(b.row.day)
        : 0,
    );
    for (const { row, activity, child, familyId } of ordered) {
      if (row.kind === 'quotients') outcomes.set(row, await placeQuotient(db, town.id, job, familyId!, row, now));
      else if (row.kind === 'soldes') outcomes.set(row, await placeBalance(db, town.id, regies, familyId!, row, today));
      else if (row.kind === 'inscriptions') outcomes.set(row, await placeEnrolment(db, town.id, job, activity!, child!, row));
      else outcomes.set(row, await placeReservation(db, town.id, activity!, child!, row, now));
    }

    const counts: jobs.BatchCounts = { ...jobs.NO_COUNTS, processedRows: processed, rowsRejected: processed - rows.length };
    for (const row of rows) {
      const o = outcomes.get(row)!;
      if (o.kind === 'created') counts.familiesCreated += 1;
      else if (o.kind === 'existing') counts.familiesExisting += 1;
      else {
        counts.rowsRejected += 1;
        reject(row.line, o.reasons);
      }
    }
    issues.sort((a, b) => a.lineNumber - b.lineNumber);
    await jobs.insertIssues(db, job.id, issues);
    await jobs.recordBatch(db, job.id, counts, new Date(now.getTime() + leaseMs));
    return 'done' as const;
  });
}

// ---------------------------------------------------------------- matching

async function familiesByRef(db: PoolClient, townId: string, refs: string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await db.query<{ ref: string; id: string }>(
    `select lower(external_ref) as ref, id from families where town_id = $1 and lower(external_ref) = any($2::text[])`,
    [townId, refs],
  );
  return new Map(rows.map((r) => [r.ref, r.id]));
}

async function childrenOf(db: PoolClient, townId: string, familyIds: string[]): Promise<Child[]> {
  if (familyIds.length === 0) return [];
  const { rows } = await db.query<Child>(
    `select id, family_id as "familyRef", first_names as "firstNames", to_char(birth_date, 'YYYY-MM-DD') as "birthDate"
       from children where town_id = $1 and family_id = any($2::uuid[])`,
    [townId, familyIds],
  );
  return rows;
}

async function activitiesOf(db: PoolClient, townId: string): Promise<Activity[]> {
  const { rows } = await db.query<Activity>(
    `select id, name, site, to_char(start_date, 'YYYY-MM-DD') as "startDate", to_char(end_date, 'YYYY-MM-DD') as "endDate",
            weekdays::int[] as weekdays, capacity
       from activities where town_id = $1`,
    [townId],
  );
  return rows;
}

/** By first name (all of them, or the first one), and by date of birth when the file gives it or two children share the name. */
function findChild(children: Child[], familyId: string, ref: ChildRef, reasons: string[]): Child | undefined {
  const wanted = norm(ref.firstName);
  let found = children.filter(
    (c) => c.familyRef === familyId && (norm(c.firstNames) === wanted || norm(c.firstNames.split(/[\s,]+/)[0] ?? '') === wanted),
  );
  if (ref.birthDate) found = found.filter((c) => c.birthDate === ref.birthDate);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    reasons.push(
      `Colonne prenom_enfant : aucun enfant « ${ref.firstName} »${ref.birthDate ? ` né le ${frDate(ref.birthDate)}` : ''} dans le dossier de la famille ${ref.reference}`,
    );
  } else {
    reasons.push(
      `Colonne date_naissance_enfant : la famille ${ref.reference} a plusieurs enfants « ${ref.firstName} » ; donnez la date de naissance`,
    );
  }
  return undefined;
}

/** By name and site; several years of the same activity: the one whose period holds the row's date. */
function findActivity(
  activities: Activity[],
  row: Extract<RepriseRow, { kind: 'inscriptions' | 'reservations' }>,
  reasons: string[],
): Activity | undefined {
  const wanted = norm(row.activity);
  let found = activities.filter((a) => norm(a.name) === wanted && (row.site === null || norm(a.site) === norm(row.site)));
  if (found.length === 0) {
    reasons.push(
      `Colonne activite : aucune activité de la commune ne s'appelle « ${row.activity} »${row.site ? ` sur le site « ${row.site} »` : ''}`,
    );
    return undefined;
  }
  const date = row.kind === 'reservations' ? row.day : row.startDate;
  if (found.length > 1 && date) found = found.filter((a) => a.startDate <= date && date <= a.endDate);
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    reasons.push(
      `Colonne ${row.kind === 'reservations' ? 'date' : 'date_debut'} : aucune session de « ${row.activity} » n'a lieu le ${frDate(date!)}`,
    );
  } else {
    reasons.push(`Colonne site : plusieurs activités s'appellent « ${row.activity} » ; précisez le site ou la date de début`);
  }
  return undefined;
}

// ---------------------------------------------------------------- placing

async function placeQuotient(
  db: PoolClient,
  townId: string,
  job: ImportJob,
  familyId: string,
  row: Extract<RepriseRow, { kind: 'quotients' }>,
  now: Date,
): Promise<Outcome> {
  const { rows } = await db.query<{ qf: number }>(`select qf from family_quotients where family_id = $1 and effective_from = $2`, [
    familyId,
    row.startDate,
  ]);
  if (rows[0]) {
    if (rows[0].qf === row.qf) return { kind: 'existing' };
    return {
      kind: 'rejected',
      reasons: [
        `Colonne qf : un quotient familial de ${rows[0].qf} € est déjà enregistré pour cette famille à partir du ${frDate(row.startDate)} ; il n'est pas remplacé (corrigez-le depuis le dossier famille)`,
      ],
    };
  }
  await db.query(
    `insert into family_quotients (town_id, family_id, qf, effective_from, source, recorded_by, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [townId, familyId, row.qf, row.startDate, row.source, job.agentId, now],
  );
  return { kind: 'created' };
}

async function placeEnrolment(
  db: PoolClient,
  townId: string,
  job: ImportJob,
  activity: Activity,
  child: Child,
  row: Extract<RepriseRow, { kind: 'inscriptions' }>,
): Promise<Outcome> {
  const start = row.startDate ?? activity.startDate;
  const end = row.endDate ?? activity.endDate;
  const period = `du ${frDate(activity.startDate)} au ${frDate(activity.endDate)}`;
  if (start < activity.startDate || start > activity.endDate) {
    return {
      kind: 'rejected',
      reasons: [`Colonne date_debut : le ${frDate(start)} est hors de la période de « ${activity.name} » (${period})`],
    };
  }
  if (end > activity.endDate || end < start) {
    return {
      kind: 'rejected',
      reasons: [`Colonne date_fin : le ${frDate(end)} est hors de la période de « ${activity.name} » (${period})`],
    };
  }
  // Already enrolled over these days (this file, or an agent since): nothing to add.
  const { rowCount } = await db.query(
    `select 1 from enrolments where town_id = $1 and activity_id = $2 and child_id = $3 and start_date <= $5 and end_date >= $4`,
    [townId, activity.id, child.id, start, end],
  );
  if (rowCount) return { kind: 'existing' };
  await db.query(
    `insert into enrolments (town_id, activity_id, child_id, start_date, end_date, created_by) values ($1, $2, $3, $4, $5, $6)`,
    [townId, activity.id, child.id, start, end, job.agentId],
  );
  return { kind: 'created' };
}

async function placeReservation(
  db: PoolClient,
  townId: string,
  activity: Activity,
  child: Child,
  row: Extract<RepriseRow, { kind: 'reservations' }>,
  now: Date,
): Promise<Outcome> {
  const day = row.day;
  const weekday = ((new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
  if (day < activity.startDate || day > activity.endDate || !activity.weekdays.includes(weekday)) {
    return { kind: 'rejected', reasons: [`Colonne date : « ${activity.name} » n'a pas lieu le ${frDate(day)}`] };
  }
  const existing = await db.query(`select 1 from reservations where activity_id = $1 and child_id = $2 and day = $3`, [
    activity.id,
    child.id,
    day,
  ]);
  if (existing.rowCount) return { kind: 'existing' };
  const enrolment = await db.query<{ id: string }>(
    `select id from enrolments where town_id = $1 and activity_id = $2 and child_id = $3 and start_date <= $4 and end_date >= $4
      order by start_date limit 1`,
    [townId, activity.id, child.id, day],
  );
  if (!enrolment.rows[0]) {
    return {
      kind: 'rejected',
      reasons: [
        `Colonne activite : ${child.firstNames} n'est pas inscrit(e) à « ${activity.name} » le ${frDate(day)} (importez d'abord le fichier des inscriptions)`,
      ],
    };
  }
  // The day's lock and counter, as every booking takes them (migration 0010).
  await db.query(
    `insert into activity_days (activity_id, day, capacity, booked) values ($1, $2, $3, 0) on conflict (activity_id, day) do nothing`,
    [activity.id, day, activity.capacity],
  );
  const { rows } = await db.query<{ capacity: number | null; booked: number }>(
    `select capacity, booked from activity_days where activity_id = $1 and day = $2 for update`,
    [activity.id, day],
  );
  const { capacity, booked } = rows[0]!;
  if (capacity !== null && booked >= capacity) {
    return {
      kind: 'rejected',
      reasons: [
        `Colonne date : « ${activity.name} » est complet le ${frDate(day)} (${capacity} places, toutes réservées) ; la réservation n'est pas reprise, proposez une autre date à la famille`,
      ],
    };
  }
  await db.query(
    `insert into reservations (town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'booked', $6, $6, $6)`,
    [townId, activity.id, enrolment.rows[0].id, child.id, day, now],
  );
  return { kind: 'created' };
}

// ---------------------------------------------------------------- open balances

interface Regie {
  id: string;
  code: string;
}

async function regiesOf(db: PoolClient, townId: string): Promise<Regie[]> {
  const { rows } = await db.query<Regie>(`select id, code from regies where town_id = $1 order by code`, [townId]);
  return rows;
}

const euros = (cents: number) => `${Math.trunc(cents / 100)},${String(cents % 100).padStart(2, '0')} €`;

/**
 * An open balance of the old portal becomes an invoice of the régie, numbered in its
 * series, with one line "Reprise de solde" (ADR 0025): the family sees it among its invoices
 * and pays it like any other. Its key is the old document's number in that régie.
 */
async function placeBalance(
  db: PoolClient,
  townId: string,
  regies: Regie[],
  familyId: string,
  row: Extract<RepriseRow, { kind: 'soldes' }>,
  today: string,
): Promise<Outcome> {
  let regie: Regie | undefined;
  if (row.regie) {
    regie = regies.find((r) => r.code.toLowerCase() === row.regie!.toLowerCase());
    if (!regie) {
      const known = regies.map((r) => r.code).join(', ') || 'aucune';
      return { kind: 'rejected', reasons: [`Colonne regie : la commune n'a pas de régie « ${row.regie} » (régies : ${known})`] };
    }
  } else if (regies.length === 1) regie = regies[0]!;
  else {
    return {
      kind: 'rejected',
      reasons: [
        regies.length === 0
          ? "Colonne regie : la commune n'a pas encore de régie ; créez-la dans la facturation avant de reprendre les soldes"
          : `Colonne regie : la commune a plusieurs régies (${regies.map((r) => r.code).join(', ')}) ; donnez son code`,
      ],
    };
  }
  const existing = await db.query<{ total: string; number: string }>(
    `select total_cents as total, number from invoices where regie_id = $1 and family_id = $2 and kind = 'opening_balance' and source_ref = $3`,
    [regie.id, familyId, row.document],
  );
  if (existing.rows[0]) {
    if (Number(existing.rows[0].total) === row.amountCents) return { kind: 'existing' };
    return {
      kind: 'rejected',
      reasons: [
        `Colonne montant : le document ${row.document} a déjà été repris (facture ${existing.rows[0].number}) pour ${euros(Number(existing.rows[0].total))} ; il n'est pas repris une seconde fois`,
      ],
    };
  }
  const family = await db.query<{ name: string; address: string }>(
    `select name, btrim(concat_ws(' ', nullif(address_line, ''), nullif(postal_code, ''), nullif(city, ''))) as address
       from families where town_id = $1 and id = $2`,
    [townId, familyId],
  );
  const year = Number(today.slice(0, 4));
  const seq = await takeNumbers(db, townId, regie.id, 'invoice', year, 1);
  // An old due date already passed is due today: an invoice is never due before it is issued.
  const dueOn = row.dueDate < today ? today : row.dueDate;
  const { rows } = await db.query<{ id: string }>(
    `insert into invoices (town_id, regie_id, family_id, payer_name, payer_address, month, number_year, number_seq, number,
                           issued_on, due_on, total_cents, kind, source_ref)
     values ($1, $2, $3, $4, $5, date_trunc('month', $6::date)::date, $7, $8, $9, $6, $10, $11, 'opening_balance', $12)
     returning id`,
    [
      townId,
      regie.id,
      familyId,
      family.rows[0]!.name,
      family.rows[0]!.address,
      today,
      year,
      seq,
      invoiceNumber(regie.code, year, seq),
      dueOn,
      row.amountCents,
      row.document,
    ],
  );
  await db.query(
    `insert into invoice_lines (town_id, invoice_id, child_name, activity_name, day, kind, category, unit_price_cents, amount_cents, reason)
     values ($1, $2, '', $3, $4, 'opening_balance', 'reprise', $5, $5, $6)`,
    [townId, rows[0]!.id, row.label, today, row.amountCents, `Reprise de solde de l'ancien portail (document ${row.document})`],
  );
  return { kind: 'created' };
}
