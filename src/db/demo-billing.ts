import type pg from 'pg';

/**
 * Billing for the demo towns (issue 14), so that a fresh `npm start` shows a town that can
 * invoice: one régie collecting the town's activities, a tariff for each (school meals by
 * brackets of QF with non-resident prices; the accueils de loisirs by taux d'effort between
 * a floor and a ceiling, one with sibling reductions), the seed's settings (30 % surcharge,
 * due on the 15th; direct debit in Bondoufle) and a QF for the MARTIN family (the DURAND family has none: it pays the
 * highest bracket). Idempotent like the rest of the demo data: rows are only inserted when
 * missing, and the régie takes the activities only when it is created, so an agent's
 * changes survive restarts.
 */

const SCHOOL_YEAR = '2026-2027';
const FROM = '2026-09-01';

interface DemoTariff {
  /** The demo activity's name (demo-activities.ts). */
  activity: string;
  category: 'repas' | 'garde';
  /** [QF from (euros), price, non-resident price (cents)]. */
  brackets?: [number, number, number | null][];
  effort?: { ratePpm: number; floorCents: number; ceilingCents: number };
  sibling?: [number, number];
}

const TARIFFS: DemoTariff[] = [
  {
    activity: 'Restauration Scolaire',
    category: 'repas',
    brackets: [
      [0, 100, 520],
      [700, 260, 520],
      [1100, 380, 520],
      [1500, 450, 520],
    ],
  },
  {
    activity: 'Accueil de loisirs (vacances)',
    category: 'garde',
    effort: { ratePpm: 12_000, floorCents: 500, ceilingCents: 1800 },
    sibling: [1000, 2000],
  },
  { activity: 'Accueil du mercredi', category: 'garde', effort: { ratePpm: 8000, floorCents: 400, ceilingCents: 1200 } },
];

export async function loadDemoBilling(client: pg.PoolClient, townId: string, slug: string, postalCode: string): Promise<void> {
  const regie = await client.query<{ id: string }>(
    `insert into regies (town_id, name, code) values ($1, 'Régie Enfance Jeunesse', 'ENF') on conflict (town_id, code) do nothing returning id`,
    [townId],
  );
  const regieId = regie.rows[0]?.id;
  if (regieId) {
    await client.query(`update activities set regie_id = $2, updated_at = now() where town_id = $1 and regie_id is null`, [
      townId,
      regieId,
    ]);
  }
  await client.query(
    `insert into billing_settings (town_id, unreserved_surcharge_bp, invoice_due_day, resident_postal_codes) values ($1, 3000, 15, $2)
     on conflict (town_id) do nothing`,
    [townId, postalCode ? [postalCode] : []],
  );
  for (const t of TARIFFS) {
    const inserted = await client.query<{ id: string }>(
      `insert into tariffs (town_id, activity_id, school_year, effective_from, model, effort_rate_ppm, effort_floor_cents, effort_ceiling_cents,
                            sibling_2_reduction_bp, sibling_3_reduction_bp, category)
       select $1, a.id, $3, $4, $5, $6, $7, $8, $9, $10, $11 from activities a where a.town_id = $1 and a.name = $2
       on conflict (activity_id, effective_from) do nothing
       returning id`,
      [
        townId,
        t.activity,
        SCHOOL_YEAR,
        FROM,
        t.brackets ? 'brackets' : 'effort',
        t.effort?.ratePpm ?? null,
        t.effort?.floorCents ?? null,
        t.effort?.ceilingCents ?? null,
        t.sibling?.[0] ?? 0,
        t.sibling?.[1] ?? 0,
        t.category,
      ],
    );
    for (const { id } of inserted.rows) {
      for (const [qfMin, price, nonResident] of t.brackets ?? []) {
        await client.query(
          `insert into tariff_brackets (tariff_id, qf_min, price_cents, non_resident_price_cents) values ($1, $2, $3, $4)`,
          [id, qfMin, price, nonResident],
        );
      }
    }
  }
  await client.query(
    `insert into family_quotients (town_id, family_id, qf, effective_from, source)
     select $1, f.id, 850, $3, 'caf' from families f where f.town_id = $1 and f.cle_enfance = $2
     on conflict (family_id, effective_from) do nothing`,
    [townId, `${postalCode}-MARTIN1`, FROM],
  );
  // Bondoufle's guide (seed 003) offers "le prélèvement automatique": its demo town takes direct
  // debit, with a demonstration creditor identifier and a public treasury's account (both valid
  // by their check digits), so that a parent can sign a mandate. Set once, like the rest.
  if (slug !== 'bondoufle') return;
  await client.query(
    `update billing_settings set sepa_enabled = true, sepa_creditor_id = 'FR72ZZZ123456', sepa_creditor_name = 'Régie Enfance Jeunesse',
            sepa_creditor_iban = 'FR7630001007941234567890185', sepa_creditor_bic = 'BDFEFRPPCCT'
      where town_id = $1 and sepa_creditor_id is null`,
    [townId],
  );
}
