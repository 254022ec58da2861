import type { Queryable } from '../db/pool.js';
import type { Bracket, Category, QuotientRecord, Tariff } from '../features/billing/pricing.js';
import type { RequestStatus } from '../features/requests/request-state.js';

/** Billing's reference data: the town's settings, its régies, the tariffs and the families' QF. Every query filters on the town. */

export interface BillingSettings {
  unreservedSurchargeBp: number;
  invoiceDueDay: number;
  residentPostalCodes: string[];
}

/** The town's settings, or the defaults of the migration for a town created since. */
export async function getBillingSettings(db: Queryable, townId: string): Promise<BillingSettings> {
  const { rows } = await db.query<BillingSettings>(
    `select coalesce(s.unreserved_surcharge_bp, 3000) as "unreservedSurchargeBp", coalesce(s.invoice_due_day, 15)::int as "invoiceDueDay",
            coalesce(s.resident_postal_codes, '{}') as "residentPostalCodes"
       from towns t left join billing_settings s on s.town_id = t.id
      where t.id = $1`,
    [townId],
  );
  return rows[0] ?? { unreservedSurchargeBp: 3000, invoiceDueDay: 15, residentPostalCodes: [] };
}

export async function saveBillingSettings(db: Queryable, townId: string, s: BillingSettings, now: Date): Promise<void> {
  await db.query(
    `insert into billing_settings (town_id, unreserved_surcharge_bp, invoice_due_day, resident_postal_codes, updated_at)
     values ($1, $2, $3, $4, $5)
     on conflict (town_id) do update set unreserved_surcharge_bp = excluded.unreserved_surcharge_bp,
       invoice_due_day = excluded.invoice_due_day, resident_postal_codes = excluded.resident_postal_codes, updated_at = excluded.updated_at`,
    [townId, s.unreservedSurchargeBp, s.invoiceDueDay, s.residentPostalCodes, now],
  );
}

// ---------------------------------------------------------------- régies

export interface Regie {
  id: string;
  name: string;
  code: string;
}

export async function insertRegie(db: Queryable, townId: string, r: { name: string; code: string }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(`insert into regies (town_id, name, code) values ($1, $2, $3) returning id`, [
    townId,
    r.name,
    r.code,
  ]);
  return rows[0]!.id;
}

export async function findRegie(db: Queryable, townId: string, id: string): Promise<Regie | undefined> {
  const { rows } = await db.query<Regie>(`select id, name, code from regies where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

export async function listRegies(db: Queryable, townId: string): Promise<Regie[]> {
  const { rows } = await db.query<Regie>(`select id, name, code from regies where town_id = $1 order by name, id`, [townId]);
  return rows;
}

/** Puts an activity in a régie (null: not invoiced); false when either is not the town's. */
export async function setActivityRegie(db: Queryable, townId: string, activityId: string, regieId: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `update activities set regie_id = $3, updated_at = now()
      where town_id = $1 and id = $2 and ($3::uuid is null or exists (select 1 from regies where town_id = $1 and id = $3))`,
    [townId, activityId, regieId],
  );
  return rowCount === 1;
}

// ---------------------------------------------------------------- tariffs

/** A tariff to record: either model (the Omit is spread over the union so each keeps its fields). */
export type NewTariff = (Tariff extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never) & {
  schoolYear: string;
  createdBy: string | null;
};

export async function insertTariff(db: Queryable, townId: string, t: NewTariff): Promise<string> {
  const effort = t.model === 'effort' ? t : undefined;
  const { rows } = await db.query<{ id: string }>(
    `insert into tariffs (town_id, activity_id, school_year, effective_from, model, effort_rate_ppm, effort_floor_cents, effort_ceiling_cents,
                          non_resident_price_cents, sibling_2_reduction_bp, sibling_3_reduction_bp, category, created_by)
     select $1, a.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 from activities a where a.town_id = $1 and a.id = $2
     returning id`,
    [
      townId,
      t.activityId,
      t.schoolYear,
      t.effectiveFrom,
      t.model,
      effort?.effortRatePpm ?? null,
      effort?.effortFloorCents ?? null,
      effort?.effortCeilingCents ?? null,
      effort?.nonResidentPriceCents ?? null,
      t.sibling2ReductionBp,
      t.sibling3ReductionBp,
      t.category,
      t.createdBy,
    ],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('tariff not created: the activity is not of the town');
  if (t.model === 'brackets') {
    await db.query(
      `insert into tariff_brackets (tariff_id, qf_min, price_cents, non_resident_price_cents)
       select $1, b.qf_min, b.price_cents, b.nr from unnest($2::int[], $3::int[], $4::int[]) as b(qf_min, price_cents, nr)`,
      [id, t.brackets.map((b) => b.qfMin), t.brackets.map((b) => b.priceCents), t.brackets.map((b) => b.nonResidentPriceCents)],
    );
  }
  return id;
}

interface TariffRow {
  id: string;
  activityId: string;
  effectiveFrom: string;
  model: 'brackets' | 'effort';
  effortRatePpm: number | null;
  effortFloorCents: number | null;
  effortCeilingCents: number | null;
  nonResidentPriceCents: number | null;
  sibling2ReductionBp: number;
  sibling3ReductionBp: number;
  category: Category;
  brackets: Bracket[];
}

/** Every tariff of these activities (all versions), grouped by activity. */
export async function listTariffs(db: Queryable, townId: string, activityIds: string[]): Promise<Map<string, Tariff[]>> {
  const { rows } = await db.query<TariffRow>(
    `select t.id, t.activity_id as "activityId", t.effective_from as "effectiveFrom", t.model, t.effort_rate_ppm as "effortRatePpm",
            t.effort_floor_cents as "effortFloorCents", t.effort_ceiling_cents as "effortCeilingCents",
            t.non_resident_price_cents as "nonResidentPriceCents", t.sibling_2_reduction_bp as "sibling2ReductionBp",
            t.sibling_3_reduction_bp as "sibling3ReductionBp", t.category,
            coalesce((select json_agg(json_build_object('qfMin', b.qf_min, 'priceCents', b.price_cents,
                        'nonResidentPriceCents', b.non_resident_price_cents) order by b.qf_min)
                        from tariff_brackets b where b.tariff_id = t.id), '[]'::json) as brackets
       from tariffs t
      where t.town_id = $1 and t.activity_id = any($2::uuid[])
      order by t.activity_id, t.effective_from`,
    [townId, activityIds],
  );
  const byActivity = new Map<string, Tariff[]>();
  for (const r of rows) {
    const common = {
      id: r.id,
      activityId: r.activityId,
      effectiveFrom: r.effectiveFrom,
      sibling2ReductionBp: r.sibling2ReductionBp,
      sibling3ReductionBp: r.sibling3ReductionBp,
      category: r.category,
    };
    const tariff: Tariff =
      r.model === 'brackets'
        ? { ...common, model: 'brackets', brackets: r.brackets }
        : {
            ...common,
            model: 'effort',
            effortRatePpm: r.effortRatePpm!,
            effortFloorCents: r.effortFloorCents!,
            effortCeilingCents: r.effortCeilingCents!,
            nonResidentPriceCents: r.nonResidentPriceCents,
          };
    const list = byActivity.get(r.activityId) ?? [];
    list.push(tariff);
    byActivity.set(r.activityId, list);
  }
  return byActivity;
}

// ---------------------------------------------------------------- quotients familiaux

export type QuotientSource = 'agent' | 'parent_declaration' | 'caf';

export interface NewQuotient {
  familyId: string;
  qf: number;
  effectiveFrom: string;
  source: QuotientSource;
  requestId: string | null;
  recordedBy: string | null;
}

/** Records a QF; a second one with the same date of effect replaces it. False when the family is not the town's. */
export async function saveQuotient(db: Queryable, townId: string, q: NewQuotient): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into family_quotients (town_id, family_id, qf, effective_from, source, request_id, recorded_by)
     select $1, f.id, $3, $4, $5, $6, $7 from families f where f.town_id = $1 and f.id = $2
     on conflict (family_id, effective_from) do update set qf = excluded.qf, source = excluded.source,
       request_id = excluded.request_id, recorded_by = excluded.recorded_by, created_at = now()`,
    [townId, q.familyId, q.qf, q.effectiveFrom, q.source, q.requestId, q.recordedBy],
  );
  return rowCount === 1;
}

/** The QF history of these families, oldest first. */
export async function listQuotients(db: Queryable, townId: string, familyIds: string[]): Promise<Map<string, QuotientRecord[]>> {
  const { rows } = await db.query<QuotientRecord & { familyId: string }>(
    `select family_id as "familyId", qf, effective_from as "effectiveFrom"
       from family_quotients where town_id = $1 and family_id = any($2::uuid[]) order by family_id, effective_from`,
    [townId, familyIds],
  );
  const byFamily = new Map<string, QuotientRecord[]>();
  for (const { familyId, ...q } of rows) {
    const list = byFamily.get(familyId) ?? [];
    list.push(q);
    byFamily.set(familyId, list);
  }
  return byFamily;
}

/** Who pays, and whether separated parents are each invoiced for their own bookings. False when the adult is not of this family. */
export async function setFamilyPayer(
  db: Queryable,
  townId: string,
  familyId: string,
  p: { payerAdultId: string | null; splitInvoicing: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update families set payer_adult_id = $3, split_invoicing = $4, updated_at = now()
      where town_id = $1 and id = $2
        and ($3::uuid is null or exists (select 1 from family_adults a where a.town_id = $1 and a.family_id = $2 and a.id = $3))`,
    [townId, familyId, p.payerAdultId, p.splitInvoicing],
  );
  return rowCount === 1;
}

// ---------------------------------------------------------------- the agents' setup pages (bill-setup)
// What the back-office's régies, tariffs and family billing pages read and write beyond the
// domain core above: a régie's name and code, which activities it collects, the tariffs'
// school year and author, the QF history with who recorded it, and the family's payer.

/** Renames a régie or changes its code; false when it is not the town's. A code taken by another régie throws the unique violation. */
export async function updateRegie(db: Queryable, townId: string, id: string, r: { name: string; code: string }): Promise<boolean> {
  const { rowCount } = await db.query(`update regies set name = $3, code = $4 where town_id = $1 and id = $2`, [
    townId,
    id,
    r.name,
    r.code,
  ]);
  return rowCount === 1;
}

/** The régie of the town that has this code, if any (to say which one took it). */
export async function findRegieByCode(db: Queryable, townId: string, code: string): Promise<Regie | undefined> {
  const { rows } = await db.query<Regie>(`select id, name, code from regies where town_id = $1 and code = $2`, [townId, code]);
  return rows[0];
}

/**
 * Makes `activityIds` exactly the activities a régie collects: puts them in it (taking them
 * from another régie) and takes out the others. Returns how many of `activityIds` are the
 * town's, so that the caller can refuse an id of another town.
 */
export async function setRegieActivities(db: Queryable, townId: string, regieId: string, activityIds: string[]): Promise<number> {
  await db.query(
    `update activities set regie_id = null, updated_at = now() where town_id = $1 and regie_id = $2 and not (id = any($3::uuid[]))`,
    [townId, regieId, activityIds],
  );
  const { rowCount } = await db.query(
    `update activities set regie_id = $2, updated_at = now() where town_id = $1 and id = any($3::uuid[])`,
    [townId, regieId, activityIds],
  );
  return rowCount ?? 0;
}

export interface ActivityBilling {
  id: string;
  name: string;
  site: string;
  startDate: string;
  endDate: string;
  regieId: string | null;
  regieName: string | null;
}

/** The town's activities with the régie that collects each (null: not invoiced), newest first like the activities' list. */
export async function listActivityRegies(db: Queryable, townId: string): Promise<ActivityBilling[]> {
  const { rows } = await db.query<ActivityBilling>(
    `select a.id, a.name, a.site, a.start_date as "startDate", a.end_date as "endDate", a.regie_id as "regieId", r.name as "regieName"
       from activities a left join regies r on r.town_id = a.town_id and r.id = a.regie_id
      where a.town_id = $1 order by a.start_date desc, a.name, a.site`,
    [townId],
  );
  return rows;
}

export interface TariffDetails {
  schoolYear: string;
  createdAt: Date;
  /** The agent who recorded it (null: the demo data, or an agent deleted since). */
  createdByName: string | null;
}

/** What the versions' table shows besides the prices: school year, when and by whom. */
export async function tariffDetails(db: Queryable, townId: string, tariffIds: string[]): Promise<Map<string, TariffDetails>> {
  const { rows } = await db.query<TariffDetails & { id: string }>(
    `select t.id, t.school_year as "schoolYear", t.created_at as "createdAt", ag.display_name as "createdByName"
       from tariffs t left join agents ag on ag.id = t.created_by
      where t.town_id = $1 and t.id = any($2::uuid[])`,
    [townId, tariffIds],
  );
  return new Map(rows.map(({ id, ...d }) => [id, d]));
}

export interface QuotientEntry {
  qf: number;
  effectiveFrom: string;
  source: QuotientSource;
  recordedByName: string | null;
  /** The parent's declaration it comes from, when an agent accepted one. */
  requestId: string | null;
  createdAt: Date;
}

/** A family's QF records, the latest date of effect first, with who recorded each. */
export async function listQuotientHistory(db: Queryable, townId: string, familyId: string): Promise<QuotientEntry[]> {
  const { rows } = await db.query<QuotientEntry>(
    `select q.qf, q.effective_from as "effectiveFrom", q.source, ag.display_name as "recordedByName", q.request_id as "requestId", q.created_at as "createdAt"
       from family_quotients q left join agents ag on ag.id = q.recorded_by
      where q.town_id = $1 and q.family_id = $2 order by q.effective_from desc`,
    [townId, familyId],
  );
  return rows;
}

/** Who pays the family's invoices, and whether its parents are each invoiced for their own bookings. */
export async function findFamilyPayer(
  db: Queryable,
  townId: string,
  familyId: string,
): Promise<{ payerAdultId: string | null; splitInvoicing: boolean } | undefined> {
  const { rows } = await db.query<{ payerAdultId: string | null; splitInvoicing: boolean }>(
    `select payer_adult_id as "payerAdultId", split_invoicing as "splitInvoicing" from families where town_id = $1 and id = $2`,
    [townId, familyId],
  );
  return rows[0];
}

// ---------------------------------------------------------------- bill-sim: the parents' QF page and the simulation

/** The activities a town prices, with what the simulation shows of them (those still running on `today`). */
export async function listPricedActivities(
  db: Queryable,
  townId: string,
  today: string,
): Promise<
  { id: string; name: string; site: string; unit: string; weekdays: number[]; runsDuring: 'school_weeks' | 'school_holidays' | 'all' }[]
> {
  const { rows } = await db.query(
    `select a.id, a.name, a.site, a.unit, a.weekdays, a.runs_during as "runsDuring"
       from activities a where a.town_id = $1 and a.end_date >= $2 order by a.name, a.site, a.id`,
    [townId, today],
  );
  return rows;
}

/**
 * The QF declarations this parent made for the family (requests of type 'quotient_declaration'),
 * newest first, for "Mon quotient familial": a declaration is personal (the other parent of the
 * file does not see it), only the QF accepted from it is the family's.
 */
export async function listQuotientDeclarations(
  db: Queryable,
  townId: string,
  familyId: string,
  accountId: string,
  limit: number,
): Promise<{ id: string; status: RequestStatus; summary: string; createdAt: Date }[]> {
  const { rows } = await db.query(
    `select id, status, summary, created_at as "createdAt" from requests
      where town_id = $1 and family_id = $2 and account_id = $3 and type = 'quotient_declaration'
      order by created_at desc, id limit $4`,
    [townId, familyId, accountId, limit],
  );
  return rows;
}
