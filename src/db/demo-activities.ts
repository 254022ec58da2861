import type pg from 'pg';

/**
 * Demo calendar, activities and enrolments for the 2026-2027 school year (loaded with the
 * demo towns, idempotent: rows are inserted only when missing, so agents' edits survive).
 *
 * The school holidays below are DEMO DATA typed from the published 2026-2027 calendar: they
 * must be checked against the official calendar (education.gouv.fr) before real use, and
 * agents can edit them like any closure.
 */
type Zone = 'A' | 'B' | 'C';

interface Holiday {
  label: string;
  start: string;
  end: string;
}

export function schoolHolidays2026(zone: Zone): Holiday[] {
  const winter = { A: ['2027-02-13', '2027-02-28'], B: ['2027-02-20', '2027-03-07'], C: ['2027-02-06', '2027-02-21'] }[zone];
  const spring = { A: ['2027-04-10', '2027-04-25'], B: ['2027-04-17', '2027-05-02'], C: ['2027-04-03', '2027-04-18'] }[zone];
  return [
    { label: 'Vacances de la Toussaint', start: '2026-10-17', end: '2026-11-01' },
    { label: 'Vacances de Noël', start: '2026-12-19', end: '2027-01-03' },
    { label: "Vacances d'hiver", start: winter[0]!, end: winter[1]! },
    { label: 'Vacances de printemps', start: spring[0]!, end: spring[1]! },
    { label: "Pont de l'Ascension", start: '2027-05-06', end: '2027-05-09' },
    { label: "Vacances d'été", start: '2027-07-03', end: '2027-08-31' },
  ];
}

interface DemoActivity {
  name: string;
  site: string;
  unit: string;
  weekdays: number[];
  runsDuring: 'school_weeks' | 'school_holidays' | 'all';
  capacity: number | null;
  /** Null: the town's rules. */
  rule: Record<string, unknown> | null;
  confirmation: 'immediate' | 'agent';
  /** First names of the demo children enrolled, in every demo family that has them. */
  enrol: string[];
}

const SCHOOL_YEAR = { start: '2026-09-01', end: '2027-07-02' };
const HOLIDAY_YEAR = { start: '2026-09-01', end: '2027-08-31' };

function activitiesFor(slug: string): DemoActivity[] {
  const meals: DemoActivity = {
    name: 'Restauration Scolaire',
    site: slug === 'tarnos' ? '1-Restaurant Félix Concaret' : 'Restaurant scolaire',
    unit: 'Repas',
    weekdays: [1, 2, 4, 5],
    runsDuring: 'school_weeks',
    capacity: 120,
    rule: null,
    confirmation: 'immediate',
    enrol: ['Léa', 'Hugo', 'Chloé'],
  };
  const alsh: DemoActivity = {
    name: 'Accueil de loisirs (vacances)',
    site: 'Centre de loisirs',
    unit: 'Journée',
    weekdays: [1, 2, 3, 4, 5],
    runsDuring: 'school_holidays',
    capacity: 40,
    rule: null,
    confirmation: 'agent',
    enrol: ['Hugo'],
  };
  if (slug !== 'bondoufle') return [meals, alsh];
  // Bondoufle: the meals keep their own 7-day rule; Wednesdays follow the town's rule.
  return [
    { ...meals, rule: { kind: 'days_before', days: 7, calendar: 'calendar' } },
    {
      name: 'Accueil du mercredi',
      site: 'Accueil de loisirs',
      unit: 'Journée',
      weekdays: [3],
      runsDuring: 'school_weeks',
      capacity: 30,
      rule: null,
      confirmation: 'immediate',
      enrol: ['Léa', 'Hugo'],
    },
    alsh,
  ];
}

export async function loadDemoActivities(client: pg.PoolClient, townId: string, slug: string, zone: Zone): Promise<void> {
  for (const h of schoolHolidays2026(zone)) {
    await client.query(
      `insert into town_closures (town_id, kind, label, start_date, end_date)
       select $1, 'school_holiday', $2, $3, $4
        where not exists (select 1 from town_closures where town_id = $1 and kind = 'school_holiday' and start_date = $3)`,
      [townId, h.label, h.start, h.end],
    );
  }
  for (const a of activitiesFor(slug)) {
    const period = a.runsDuring === 'school_holidays' ? HOLIDAY_YEAR : SCHOOL_YEAR;
    await client.query(
      `insert into activities (town_id, name, site, unit, start_date, end_date, weekdays, runs_during, capacity, booking_rule, cancellation_rule, confirmation)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
       on conflict (town_id, name, site, start_date) do nothing`,
      [townId, a.name, a.site, a.unit, period.start, period.end, a.weekdays, a.runsDuring, a.capacity, a.rule, a.confirmation],
    );
    await client.query(
      `insert into enrolments (town_id, activity_id, child_id, start_date, end_date)
       select $1, a.id, c.id, a.start_date, a.end_date
         from activities a
         join children c on c.town_id = a.town_id and c.first_names = any($5::text[])
         join families f on f.id = c.family_id and (f.cle_enfance like '%-MARTIN1' or f.cle_enfance like '%-DURAND2')
        where a.town_id = $1 and a.name = $2 and a.site = $3 and a.start_date = $4
       on conflict (activity_id, child_id, start_date) do nothing`,
      [townId, a.name, a.site, period.start, a.enrol],
    );
  }
  // The public offer (issue 16): what the demo's activities say of themselves; the leisure
  // centres take online enrolments for the school year, with a medical certificate of less
  // than a year. Only activities not described yet: an agent's later edits are kept.
  await client.query(
    `update activities set service = 'Restauration scolaire', description = 'Le repas de midi des écoles, préparé sur place.',
            school_levels = array['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2']
      where town_id = $1 and name = 'Restauration Scolaire' and service = ''`,
    [townId],
  );
  await client.query(
    `update activities set service = 'Accueil de loisirs',
            description = 'Jeux, ateliers et sorties encadrés par les animateurs de la commune.', min_age = 3, max_age = 11,
            required_pieces = '[{"kind": "certificat_medical", "maxAgeMonths": 12}]', asks_pai = true, asks_diet = true,
            enrolment_opens_at = '2026-09-01T06:00:00Z', enrolment_closes_at = '2027-06-30T16:00:00Z'
      where town_id = $1 and name like 'Accueil%' and service = ''`,
    [townId],
  );
}
