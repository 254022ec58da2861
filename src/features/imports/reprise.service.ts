import { withTransaction, type PoolClient } from '../../db/pool.js';
import { takeNumbers } from '../../repositories/billing-invoices.repository.js';
import * as jobs from '../../repositories/import-jobs.repository.js';
import * as repo from '../../repositories/reprise.repository.js';
import {
  activitiesOf,
  childrenOf,
  familiesByRef,
  regiesOf,
  type Activity,
  type Child,
  type Regie,
} from '../../repositories/reprise.repository.js';
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
  const known = await repo.quotientFrom(db, familyId, row.startDate);
  if (known !== undefined) {
    if (known === row.qf) return { kind: 'existing' };
    return {
      kind: 'rejected',
      reasons: [
        `Colonne qf : un quotient familial de ${known} € est déjà enregistré pour cette famille à partir du ${frDate(row.startDate)} ; il n'est pas remplacé (corrigez-le depuis le dossier famille)`,
      ],
    };
  }
  await repo.insertQuotient(db, {
    townId,
    familyId,
    qf: row.qf,
    effectiveFrom: row.startDate,
    source: row.source,
    recordedBy: job.agentId,
    now,
  });
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
  if (await repo.isEnrolledOver(db, townId, activity.id, child.id, start, end)) return { kind: 'existing' };
  await repo.insertEnrolment(db, { townId, activityId: activity.id, childId: child.id, start, end, createdBy: job.agentId });
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
  if (await repo.hasReservation(db, activity.id, child.id, day)) return { kind: 'existing' };
  const enrolmentId = await repo.enrolmentOn(db, townId, activity.id, child.id, day);
  if (!enrolmentId) {
    return {
      kind: 'rejected',
      reasons: [
        `Colonne activite : ${child.firstNames} n'est pas inscrit(e) à « ${activity.name} » le ${frDate(day)} (importez d'abord le fichier des inscriptions)`,
      ],
    };
  }
  const { capacity, booked } = await repo.lockActivityDay(db, activity.id, day, activity.capacity);
  if (capacity !== null && booked >= capacity) {
    return {
      kind: 'rejected',
      reasons: [
        `Colonne date : « ${activity.name} » est complet le ${frDate(day)} (${capacity} places, toutes réservées) ; la réservation n'est pas reprise, proposez une autre date à la famille`,
      ],
    };
  }
  await repo.insertBookedReservation(db, { townId, activityId: activity.id, enrolmentId, childId: child.id, day, now });
  return { kind: 'created' };
}

// ---------------------------------------------------------------- open balances

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
  const existing = await repo.openingBalanceOf(db, regie.id, familyId, row.document);
  if (existing) {
    if (existing.totalCents === row.amountCents) return { kind: 'existing' };
    return {
      kind: 'rejected',
      reasons: [
        `Colonne montant : le document ${row.document} a déjà été repris (facture ${existing.number}) pour ${euros(existing.totalCents)} ; il n'est pas repris une seconde fois`,
      ],
    };
  }
  const payer = await repo.payerOf(db, townId, familyId);
  const year = Number(today.slice(0, 4));
  const seq = await takeNumbers(db, townId, regie.id, 'invoice', year, 1);
  // An old due date already passed is due today: an invoice is never due before it is issued.
  const dueOn = row.dueDate < today ? today : row.dueDate;
  await repo.insertOpeningBalance(db, {
    townId,
    regieId: regie.id,
    familyId,
    payer,
    issuedOn: today,
    year,
    seq,
    number: invoiceNumber(regie.code, year, seq),
    dueOn,
    amountCents: row.amountCents,
    document: row.document,
    label: row.label,
  });
  return { kind: 'created' };
}
