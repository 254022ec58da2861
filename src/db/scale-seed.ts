import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { publicHolidayName } from '../lib/calendar/business.js';
import { eachDay, isoWeekday, parisDay, shiftMonth } from '../lib/calendar/days.js';
import { hashPassword } from '../lib/passwords.js';
import { schoolHolidays2026 } from './demo-activities.js';

/**
 * A large town for measuring the app at scale (issue 20): `npm run seed:scale` and the
 * query-plan test both call `seedScaleTown`. Everything is written set-based
 * (`insert … select` over generate_series and the rows already written), phase by phase,
 * each in its own transaction, so that 100,000 families take minutes and not hours.
 *
 * The rows are those the app itself writes: validated parent accounts that have accepted the
 * CGU (all sharing ONE argon2 hash of SCALE_PASSWORD, computed once), family files with their
 * adults and children, schools and their activities (with capacities, a régie and tariffs),
 * enrolments, a school year of reservations, attendance sheets for the days already past,
 * requests with their history and messages, documents' metadata (no files), the quotients
 * familiaux, the invoices of the months already over with their lines and the payments of
 * the older ones. The demo towns are not touched.
 *
 * On a superuser connection (the embedded server), the phases run with
 * session_replication_role = replica: foreign-key checks and per-row triggers are skipped
 * for rows built consistent here, and the booked-places counters (activity_days), which the
 * reservations' trigger would maintain row by row, are then written in one statement. On
 * another role the triggers run as usual (slower, same result). No constraint or index is
 * dropped.
 */

/** The password of every parent account and agent of the seeded town. */
export const SCALE_PASSWORD = 'Grandeville-2026';

export interface ScaleSeedOptions {
  families: number;
  /** Default 'grandeville'. */
  slug?: string;
  name?: string;
  /**
   * The day the data is seen from ('YYYY-MM-DD', default today in Paris, kept within the
   * 2026-2027 school year): attendance is recorded and months are invoiced before it.
   */
  today?: string;
  /**
   * Groupes scolaires (each a maternelle, an élémentaire, a canteen and evening care; a
   * leisure centre for four). Default: one per 2,500 families. A test seeding a slice of a
   * large town passes the large town's number (40 for 100,000 families), so that each
   * activity holds the same share of the town, and the planner sees the same selectivity.
   */
  groups?: number;
  /** A hash of SCALE_PASSWORD already computed (tests reuse theirs); computed once otherwise. */
  passwordHash?: string;
  log?: (line: string) => void;
}

export interface ScaleSeedResult {
  townId: string;
  slug: string;
  phases: { name: string; seconds: number }[];
  counts: Record<string, number>;
  seconds: number;
}

const SCHOOL_YEAR = { start: '2026-09-01', end: '2027-07-02' };
const HOLIDAY_YEAR = { start: '2026-09-01', end: '2027-08-31' };
/** Families per groupe scolaire (a maternelle, an élémentaire, their canteen and after-school care). */
const FAMILIES_PER_GROUP = 2500;
const POSTAL_CODE = '76100';

/**
 * Surnames follow a long tail, as a town's do: the commonest French name (MARTIN) is carried by
 * about a third of a percent of people and most names by a handful of families. One family in
 * ten bears one of the common names below (about 140 families each in 100,000), the others a
 * name built of three syllables (27,000 of them, a few families each). With every family
 * bearing one of the common names (1.4 % each) a search for one's name found 1,400 families,
 * four times what a town of that size would show (docs/performance.md).
 */
const NAME_STARTS = ['BER', 'CHA', 'DE', 'FO', 'GAU', 'LA', 'LE', 'MA', 'PE', 'RO', 'SAU', 'TI', 'VAL', 'BOU', 'CO'];
const NAME_STARTS_2 = ['DU', 'GRI', 'JOU', 'MOU', 'POI', 'RI', 'TOU', 'VER', 'BA', 'CLE', 'FOU', 'GUI', 'LO', 'NO', 'PRA'];
const NAME_MIDDLES = ['NAR', 'TEL', 'MON', 'RI', 'LAN', 'VI', 'SSE', 'RAN', 'BO', 'LI', 'CHE', 'DE', 'GE', 'NE', 'RE'];
const NAME_MIDDLES_2 = ['LO', 'TI', 'MA', 'VA', 'CO', 'SA', 'DI', 'GNE', 'LU', 'PI', 'ZE', 'QUI', 'TAR', 'BAR', 'LET'];
const NAME_ENDS = ['DOT', 'LIER', 'AUD', 'ET', 'IN', 'ON', 'EAU', 'ARD', 'IER', 'OUX', 'AND', 'ERT', 'Y', 'OT', 'IAUX'];
const NAME_ENDS_2 = ['EL', 'AS', 'OIS', 'ANT', 'ENS', 'ERY', 'AC', 'IC', 'OLE', 'OUD', 'EUX', 'ERE', 'ILLE', 'AUX', 'EC'];
const COMMON_SURNAMES = [
  'MARTIN',
  'BERNARD',
  'THOMAS',
  'PETIT',
  'ROBERT',
  'RICHARD',
  'DURAND',
  'DUBOIS',
  'MOREAU',
  'LAURENT',
  'SIMON',
  'MICHEL',
  'LEFEBVRE',
  'LEROY',
  'ROUX',
  'DAVID',
  'BERTRAND',
  'MOREL',
  'FOURNIER',
  'GIRARD',
  'BONNET',
  'DUPONT',
  'LAMBERT',
  'FONTAINE',
  'ROUSSEAU',
  'VINCENT',
  'MULLER',
  'LEFÈVRE',
  'FAURE',
  'ANDRÉ',
  'MERCIER',
  'BLANC',
  'GUÉRIN',
  'BOYER',
  'GARNIER',
  'CHEVALIER',
  'FRANÇOIS',
  'LEGRAND',
  'GAUTHIER',
  'GARCIA',
  'PERRIN',
  'ROBIN',
  'CLÉMENT',
  'MORIN',
  'NICOLAS',
  'HENRY',
  'ROUSSEL',
  'MATHIEU',
  'GAUTIER',
  'MASSON',
  'MARCHAND',
  'DUVAL',
  'DENIS',
  'DUMONT',
  'MARIE',
  'LEMAIRE',
  'NOËL',
  'MEYER',
  'DUFOUR',
  'MEUNIER',
  'BRUN',
  'BLANCHARD',
  'GIRAUD',
  'JOLY',
  'RIVIÈRE',
  'LUCAS',
  'BRUNET',
  'GAILLARD',
  'BARBIER',
  'ARNAUD',
  'MARTINEZ',
  'GÉRARD',
];
const WOMEN = [
  'Marie',
  'Nathalie',
  'Isabelle',
  'Sylvie',
  'Catherine',
  'Sandrine',
  'Céline',
  'Aurélie',
  'Émilie',
  'Julie',
  'Camille',
  'Sarah',
  'Laura',
  'Élodie',
  'Claire',
  'Fatima',
];
const MEN = [
  'Nicolas',
  'Julien',
  'Sébastien',
  'Thomas',
  'Mathieu',
  'Guillaume',
  'David',
  'Maxime',
  'Romain',
  'Karim',
  'Antoine',
  'Alexandre',
  'Jérôme',
  'Vincent',
  'Olivier',
  'Mehdi',
];
const CHILDREN = [
  'Léa',
  'Hugo',
  'Chloé',
  'Louis',
  'Emma',
  'Gabriel',
  'Jade',
  'Raphaël',
  'Louise',
  'Arthur',
  'Alice',
  'Jules',
  'Lina',
  'Adam',
  'Rose',
  'Léo',
  'Mia',
  'Nathan',
  'Inès',
  'Noé',
  'Ambre',
  'Sacha',
  'Anna',
  'Tom',
];
const STREETS = [
  'rue Victor Hugo',
  'avenue Jean Jaurès',
  'rue de la République',
  'boulevard Gambetta',
  'rue Pasteur',
  'rue des Écoles',
  'allée des Tilleuls',
  'place de la Mairie',
  'rue du Moulin',
  'chemin des Vignes',
];
const SCHOOL_NAMES = [
  'Jules Ferry',
  'Jean Moulin',
  'Victor Hugo',
  'Louise Michel',
  'Pasteur',
  'Jacques Prévert',
  'Marie Curie',
  'Paul Bert',
  'Condorcet',
  'Les Tilleuls',
  'Saint-Exupéry',
  'Jean Macé',
];

type Kind = 'canteen' | 'evening' | 'wednesday' | 'holidays';

interface PlannedActivity {
  kind: Kind;
  name: string;
  site: string;
  unit: string;
  weekdays: number[];
  runsDuring: 'school_weeks' | 'school_holidays';
  period: { start: string; end: string };
  confirmation: 'immediate' | 'agent';
  service: string;
  category: 'repas' | 'garde';
  /** Groupe scolaire (canteen, evening) or leisure centre (wednesday, holidays), from 1. */
  place: number;
}

/** Which of an enrolment's running days it books: by a hash of the enrolment, as families differ. */
const BOOKS: Record<Kind, string> = {
  // Half the children eat at the canteen every day; others skip Friday, or come Monday and Thursday.
  canteen: `case (hashtext(e.id::text) & 3) when 2 then extract(isodow from d.day) <> 5 when 3 then extract(isodow from d.day) in (1, 4) else true end`,
  evening: `(hashtext(e.id::text) & 1) = 0 or extract(isodow from d.day) in (2, 4)`,
  wednesday: `(hashtext(e.id::text) & 3) <> 3 or (extract(week from d.day)::int & 1) = 0`,
  holidays: `(hashtext(e.id::text || d.day::text) & 3) = 0`,
};

/** Share of eligible children enrolled, in 1/16ths, by a hash of the child. */
const ENROL: Record<Kind, { sixteenths: number; schooled: boolean }> = {
  canteen: { sixteenths: 8, schooled: true },
  evening: { sixteenths: 3, schooled: true },
  wednesday: { sixteenths: 3, schooled: false },
  holidays: { sixteenths: 2, schooled: false },
};

function plan(groups: number, centres: number): PlannedActivity[] {
  const list: PlannedActivity[] = [];
  for (let g = 1; g <= groups; g++) {
    const site = `Groupe scolaire ${groupName(g)}`;
    list.push(
      {
        kind: 'canteen',
        name: 'Restauration scolaire',
        site,
        unit: 'Repas',
        weekdays: [1, 2, 4, 5],
        runsDuring: 'school_weeks',
        period: SCHOOL_YEAR,
        confirmation: 'immediate',
        service: 'Restauration scolaire',
        category: 'repas',
        place: g,
      },
      {
        kind: 'evening',
        name: 'Accueil périscolaire du soir',
        site,
        unit: 'Soirée',
        weekdays: [1, 2, 4, 5],
        runsDuring: 'school_weeks',
        period: SCHOOL_YEAR,
        confirmation: 'immediate',
        service: 'Accueil périscolaire',
        category: 'garde',
        place: g,
      },
    );
  }
  for (let c = 1; c <= centres; c++) {
    const site = `Centre de loisirs ${groupName(c)}`;
    list.push(
      {
        kind: 'wednesday',
        name: 'Accueil du mercredi',
        site,
        unit: 'Journée',
        weekdays: [3],
        runsDuring: 'school_weeks',
        period: SCHOOL_YEAR,
        confirmation: 'immediate',
        service: 'Accueil de loisirs',
        category: 'garde',
        place: c,
      },
      {
        kind: 'holidays',
        name: 'Accueil de loisirs (vacances)',
        site,
        unit: 'Journée',
        weekdays: [1, 2, 3, 4, 5],
        runsDuring: 'school_holidays',
        period: HOLIDAY_YEAR,
        confirmation: 'agent',
        service: 'Accueil de loisirs',
        category: 'garde',
        place: c,
      },
    );
  }
  return list;
}

function groupName(n: number): string {
  const base = SCHOOL_NAMES[(n - 1) % SCHOOL_NAMES.length]!;
  const round = Math.floor((n - 1) / SCHOOL_NAMES.length);
  return round === 0 ? base : `${base} ${round + 1}`;
}

/** The days an activity runs: its weekdays, in or out of the school holidays, never a public holiday. */
function runningDays(a: PlannedActivity): string[] {
  const holidays = schoolHolidays2026('A');
  return eachDay(a.period.start, a.period.end).filter((day) => {
    if (!a.weekdays.includes(isoWeekday(day)) || publicHolidayName(day)) return false;
    const inHoliday = holidays.some((h) => h.start <= day && day <= h.end);
    return a.runsDuring === 'school_holidays' ? inHoliday : !inHoliday;
  });
}

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;
/** An element of `values` picked by an integer SQL expression. */
const pick = (values: string[], expr: string) => `(${sqlArray(values)})[1 + ((${expr}) % ${values.length})]`;

/**
 * A family's surname: one family in ten (by its number `g`) bears a common name, the others a
 * name of three syllables picked by `h`, a number spread over 0…104,728 (see NAME_STARTS).
 */
function surname(g: string, h: string): string {
  const starts = [...NAME_STARTS, ...NAME_STARTS_2];
  const middles = [...NAME_MIDDLES, ...NAME_MIDDLES_2];
  const ends = [...NAME_ENDS, ...NAME_ENDS_2];
  return `case when (${g}) % 10 = 0 then ${pick(COMMON_SURNAMES, h)}
               else ${pick(starts, h)} || ${pick(middles, `(${h}) / ${starts.length}`)} || ${pick(ends, `(${h}) / ${starts.length * middles.length}`)} end`;
}

export async function seedScaleTown(pool: pg.Pool, options: ScaleSeedOptions): Promise<ScaleSeedResult> {
  const n = Math.floor(options.families);
  if (!Number.isFinite(n) || n < 1) throw new Error('families must be a positive number');
  const slug = options.slug ?? 'grandeville';
  const townName = options.name ?? 'Ville de Grandeville';
  const log = options.log ?? (() => undefined);
  const today = clampDay(options.today ?? parisDay(new Date()));
  const groups = options.groups ?? Math.max(2, Math.ceil(n / FAMILIES_PER_GROUP));
  const centres = Math.max(1, Math.ceil(groups / 4));
  const activities = plan(groups, centres);
  const started = performance.now();
  const phases: ScaleSeedResult['phases'] = [];

  const client = await pool.connect();
  try {
    const { rows: roleRows } = await client.query<{ superuser: boolean }>(
      `select rolsuper as superuser from pg_roles where rolname = current_user`,
    );
    const bulk = roleRows[0]?.superuser === true;
    const exists = await client.query(`select 1 from towns where slug = $1`, [slug]);
    if (exists.rowCount) throw new Error(`a town "${slug}" already exists in this database: seed a fresh one, or choose another --slug`);

    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      await client.query('begin');
      try {
        if (bulk) await client.query(`set local session_replication_role = replica`);
        const result = await work();
        await client.query('commit');
        const seconds = (performance.now() - t0) / 1000;
        phases.push({ name, seconds });
        log(`  ${name.padEnd(34)} ${seconds.toFixed(1).padStart(7)} s`);
        return result;
      } catch (err) {
        await client.query('rollback');
        throw err;
      }
    };
    const q = (text: string, values: unknown[] = []) => client.query(text, values);
    // Statements over millions of rows: the pool's statement timeout is for the app's requests.
    await q(`set statement_timeout = 0`);
    await q(`set maintenance_work_mem = '256MB'`);
    /**
     * Millions of rows load several times faster into a table without its secondary indexes,
     * built again afterwards in one sort each: dropped and re-created in the same transaction,
     * so nothing else ever sees the table without them. Constraints' own indexes stay.
     */
    const withoutSecondaryIndexes = async (table: string, work: () => Promise<void>) => {
      const { rows } = await q(
        `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
           from pg_index i
          where i.indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
        [table],
      );
      const indexes = rows as { name: string; def: string }[];
      for (const ix of indexes) await q(`drop index ${ix.name}`);
      await work();
      for (const ix of indexes) await q(ix.def);
    };

    log(
      `Seeding ${slug}: ${n.toLocaleString('en')} families, ${groups} groupes scolaires, ${centres} leisure centres, seen from ${today}${bulk ? '' : ' (not a superuser: triggers and checks run row by row)'}`,
    );
    const passwordHash = options.passwordHash ?? (await hashPassword(SCALE_PASSWORD));

    // ---------------------------------------------------------------- the town
    const townId = await phase('town, settings, agents', async () => {
      const { rows } = await q(
        `insert into towns (slug, name, colour, school_zone, welcome_text, password_policy, deadline_rules)
         values ($1, $2, '#5b2c83', 'A', $3, '{"minLength": 8, "upper": true, "lower": true, "digit": true}',
                 '{"kind": "days_before", "days": 7, "calendar": "calendar"}')
         returning id`,
        [
          slug,
          townName,
          `Bienvenue sur l'Espace Famille de ${townName} : inscriptions, réservations, factures et échanges avec les services.`,
        ],
      );
      const id = (rows[0] as { id: string }).id;
      await q(
        `insert into town_texts (town_id, kind, version, body) values
           ($1, 'cgu', 1, $2), ($1, 'mentions_legales', 1, $3)`,
        [
          id,
          `CONDITIONS GÉNÉRALES D'UTILISATION DU SERVICE EN LIGNE\n\nArticle 1 – Objet\n${townName} propose un guichet en ligne pour ses services à la famille. Son utilisation est facultative et gratuite.\n\nArticle 2 – Données personnelles\nLes données recueillies servent au traitement de vos démarches, par les seuls services de la commune.`,
          `MENTIONS LÉGALES\n\nÉditeur : ${townName}.\nDirecteur de la publication : le maire.`,
        ],
      );
      await q(
        `insert into town_services (town_id, position, name, address, phone, email) values
           ($1, 0, 'Direction de l''Éducation', 'Hôtel de ville, place de la Mairie', '02 35 00 00 00', 'education@grandeville.example'),
           ($1, 1, 'Service Enfance Jeunesse', 'Hôtel de ville, place de la Mairie', '02 35 00 00 01', 'enfance@grandeville.example')`,
        [id],
      );
      await q(
        `insert into news (town_id, title, body, published_at, visibility) values
           ($1, 'Les réservations du deuxième trimestre sont ouvertes', 'Réservez les repas et les accueils de janvier à mars depuis la page de chaque enfant.', '2026-11-15T08:00:00+01:00', 'families'),
           ($1, 'Bienvenue sur l''Espace Famille', 'Inscriptions, réservations, factures : vos démarches en ligne.', '2026-09-01T08:00:00+02:00', 'public')`,
        [id],
      );
      for (const h of schoolHolidays2026('A')) {
        await q(`insert into town_closures (town_id, kind, label, start_date, end_date) values ($1, 'school_holiday', $2, $3, $4)`, [
          id,
          h.label,
          h.start,
          h.end,
        ]);
      }
      await q(
        `insert into billing_settings (town_id, unreserved_surcharge_bp, invoice_due_day, resident_postal_codes) values ($1, 3000, 15, $2)`,
        [id, [POSTAL_CODE]],
      );
      await q(`insert into regies (town_id, name, code) values ($1, 'Régie Enfance Éducation', 'ENF')`, [id]);
      await q(
        `insert into agents (town_id, username, display_name, email, password_hash, role)
         values ($1, 'admin', 'Administration Grandeville', 'admin@grandeville.example', $2, 'admin'),
                ($1, 'agent', 'Accueil Éducation', 'accueil@grandeville.example', $2, 'agent')`,
        [id, passwordHash],
      );
      return id;
    });

    // ---------------------------------------------------------------- schools and activities
    await phase('schools, activities, tariffs', async () => {
      for (let g = 1; g <= groups; g++) {
        for (const kind of ['maternelle', 'elementaire'] as const) {
          await q(`insert into schools (town_id, name, kind, address) values ($1, $2, $3, $4)`, [
            townId,
            `École ${kind === 'maternelle' ? 'maternelle' : 'élémentaire'} ${groupName(g)}`,
            kind,
            `${g} ${STREETS[g % STREETS.length]}, ${POSTAL_CODE} Grandeville`,
          ]);
        }
      }
      for (const a of activities) {
        const { rows } = await q(
          `insert into activities (town_id, name, site, unit, start_date, end_date, weekdays, runs_during, capacity, confirmation, service,
                                   description, regie_id, caf_declared, caf_hours_per_day)
           select $1, $2, $3, $4, $5, $6, $7, $8, 10000, $9, $10, $11, r.id, $12, $13 from regies r where r.town_id = $1
           returning id`,
          [
            townId,
            a.name,
            a.site,
            a.unit,
            a.period.start,
            a.period.end,
            a.weekdays,
            a.runsDuring,
            a.confirmation,
            a.service,
            a.kind === 'canteen'
              ? 'Le repas de midi, préparé par la cuisine centrale.'
              : 'Jeux, ateliers et sorties encadrés par les animateurs.',
            a.kind !== 'canteen',
            a.kind === 'canteen' ? null : a.kind === 'evening' ? 2.5 : 8,
          ],
        );
        const activityId = (rows[0] as { id: string }).id;
        const effort = a.kind === 'wednesday' || a.kind === 'holidays';
        const { rows: tariffRows } = await q(
          `insert into tariffs (town_id, activity_id, school_year, effective_from, model, effort_rate_ppm, effort_floor_cents, effort_ceiling_cents, category)
           values ($1, $2, '2026-2027', '2026-09-01', $3, $4, $5, $6, $7) returning id`,
          [
            townId,
            activityId,
            effort ? 'effort' : 'brackets',
            effort ? (a.kind === 'wednesday' ? 8000 : 12_000) : null,
            effort ? (a.kind === 'wednesday' ? 400 : 500) : null,
            effort ? (a.kind === 'wednesday' ? 1200 : 1800) : null,
            a.category,
          ],
        );
        const tariffId = (tariffRows[0] as { id: string }).id;
        if (!effort) {
          const prices = a.kind === 'canteen' ? [100, 260, 380, 450] : [80, 150, 220, 280];
          await q(`insert into tariff_brackets (tariff_id, qf_min, price_cents) select $1, unnest($2::int[]), unnest($3::int[])`, [
            tariffId,
            [0, 700, 1100, 1500],
            prices,
          ]);
        }
        // Which activities are which, for the phases below (a temporary table of this session).
        await q(
          `create temp table if not exists scale_activities (id uuid primary key, kind text, place int, tariff_id uuid, days date[]) on commit preserve rows`,
        );
        await q(`insert into scale_activities values ($1, $2, $3, $4, $5)`, [activityId, a.kind, a.place, tariffId, runningDays(a)]);
      }
    });

    // ---------------------------------------------------------------- families, adults, accounts, children
    await phase('families', () =>
      q(
        `insert into families (town_id, cle_enfance, name, address_line, postal_code, city, created_at, updated_at, cle_enfance_issued_at)
         select $1, 'GV' || lpad(g::text, 7, '0'), ${surname('g', '(g * 7919) % 104729')},
                (1 + g % 180)::text || ' ' || ${pick(STREETS, 'g / 7')}, '${POSTAL_CODE}', 'Grandeville',
                timestamptz '2024-06-01' + make_interval(days => g % 800), timestamptz '2026-08-25', timestamptz '2024-06-01'
           from generate_series(1, $2) g`,
        [townId, n],
      ),
    );
    // The family's number (its Clé Enfance's digits) drives every "random" choice below.
    const familyNo = `substr(f.cle_enfance, 3)::int`;
    await phase('adults and parent accounts', async () => {
      await q(
        `insert into accounts (town_id, family_id, username, email, civility, last_name, first_names, address_number, address_street,
                               postal_code, city, mobile, password_hash, created_via, email_confirmed_at, validation_status, validated_at,
                               cgu_version_accepted, cgu_accepted_at, last_sign_in_at, created_at, updated_at)
         select f.town_id, f.id, 'famille' || ${familyNo}, 'famille' || ${familyNo} || '@grandeville.example', 'Mme', f.name,
                ${pick(WOMEN, `${familyNo} * 31`)}, split_part(f.address_line, ' ', 1), substr(f.address_line, length(split_part(f.address_line, ' ', 1)) + 2),
                f.postal_code, f.city, '06' || lpad((${familyNo} % 100000000)::text, 8, '0'), $2, 'wizard', f.created_at, 'validated',
                f.created_at + interval '1 day', 1, f.created_at + interval '1 day', timestamptz '2026-11-20', f.created_at, f.created_at
           from families f where f.town_id = $1`,
        [townId, passwordHash],
      );
      await q(
        `insert into family_adults (town_id, family_id, civility, last_name, first_names, email, phone, account_id)
         select a.town_id, a.family_id, a.civility, a.last_name, a.first_names, a.email, a.mobile, a.id from accounts a where a.town_id = $1`,
        [townId],
      );
      // A second parent in seven families of ten, without an account of their own.
      await q(
        `insert into family_adults (town_id, family_id, civility, last_name, first_names, email, phone)
         select f.town_id, f.id, 'M', f.name, ${pick(MEN, `${familyNo} * 17`)}, '', '07' || lpad((${familyNo} % 100000000)::text, 8, '0')
           from families f where f.town_id = $1 and ${familyNo} % 10 < 7`,
        [townId],
      );
    });
    await phase('children', () =>
      // 1.8 children a family: one in every fifth family, two in the others (k = 1, 2).
      q(
        `insert into children (town_id, family_id, first_names, last_name, birth_date, school, class_name, photo_consent, diet_no_pork, diet_vegetarian, pai)
         select f.town_id, f.id, ${pick(CHILDREN, `${familyNo} * 13 + k * 7`)}, f.name, c.birth,
                case when c.age between 3 and 5 then 'École maternelle ' || s.name when c.age between 6 and 10 then 'École élémentaire ' || s.name else '' end,
                -- A groupe's ~450 children of one age in classes of about 25 (CM1 A … CM1 R), as a
                -- real school splits a level: the agents' sheet of one class holds a class. The
                -- letter comes from the family's number over 400, the age over 40, the groupe
                -- from its remainder: each independent of the others.
                case when c.age between 3 and 10
                     then (array['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'])[c.age - 2] || ' ' || chr(65 + (${familyNo} / ${groups * 10} + k) % 18)
                     else '' end,
                (${familyNo} + k) % 3 = 0, (${familyNo} + k) % 11 = 0, (${familyNo} + k) % 13 = 0, (${familyNo} + k) % 41 = 0
           from families f
           cross join generate_series(1, 2) k
           cross join lateral (select 3 + ((${familyNo} / ${groups}) * 7 + k * 3) % 10 as age) a
           cross join lateral (select a.age, make_date(2026 - a.age - 1, 1 + (${familyNo} + k) % 12, 1 + (${familyNo} * 3 + k) % 28) as birth) c
           cross join lateral (select (${sqlArray(Array.from({ length: groups }, (_, i) => groupName(i + 1)))})[1 + ${familyNo} % ${groups}] as name) s
          where f.town_id = $1 and (k = 1 or ${familyNo} % 5 <> 0)`,
        [townId],
      ),
    );

    // The agents' search text (migration 0041): its triggers are among those the bulk phases
    // skip, so each family's is written here once, from everything written above.
    await phase("families' search text", () =>
      q(`update families f set search_text = family_search_text(f.id, f.name, f.cle_enfance, f.external_ref) where f.town_id = $1`, [
        townId,
      ]),
    );

    // ---------------------------------------------------------------- enrolments
    await phase('enrolments, capacities', async () => {
      for (const kind of Object.keys(ENROL) as Kind[]) {
        const { sixteenths, schooled } = ENROL[kind];
        // Canteen and evening care: the child's own groupe scolaire; leisure centres: by family number.
        const place = schooled ? `1 + ${familyNo} % ${groups}` : `1 + ${familyNo} % ${centres}`;
        await q(
          `insert into enrolments (town_id, activity_id, child_id, start_date, end_date, created_at)
           select c.town_id, a.id, c.id, act.start_date, act.end_date, timestamptz '2026-07-01'
             from children c
             join families f on f.id = c.family_id
             join scale_activities a on a.kind = $2 and a.place = ${place}
             join activities act on act.id = a.id
            where c.town_id = $1 and (hashtext(c.id::text || $2) & 15) < $3 ${schooled ? `and c.school <> ''` : ''}`,
          [townId, kind, sixteenths],
        );
      }
      // Capacities: what each activity has enrolled, and some room (the app's limit is 10,000).
      await q(
        `update activities a set capacity = least(10000, greatest(10, ceil(e.enrolled * 1.05)::int))
           from (select activity_id, count(*) as enrolled from enrolments where town_id = $1 group by activity_id) e
          where a.id = e.activity_id`,
        [townId],
      );
    });

    // ---------------------------------------------------------------- reservations
    const stamp = `timestamptz '2026-08-28 10:00+02'`;
    const idPrefix = randomBytes(8).toString('hex');
    await phase('reservations (school year)', () =>
      withoutSecondaryIndexes('reservations', async () => {
        // Millions of rows go into two unique indexes that stay: written in the order of the
        // (activity, child, day) one, with ids that grow (this run's random prefix, then a
        // counter), each index is filled at its end instead of at random places that no cache
        // holds. The ids are unique UUIDs like any other to the app.
        await q(`create temp sequence if not exists scale_ids`);
        await q(`set local work_mem = '512MB'`);
        for (const kind of Object.keys(BOOKS) as Kind[]) {
          await q(
            `insert into reservations (id, town_id, activity_id, enrolment_id, child_id, day, status, confirmed_at, created_at, updated_at)
             select ($2 || lpad(to_hex(nextval('scale_ids')), 16, '0'))::uuid, x.*
               from (select e.town_id, e.activity_id, e.id, e.child_id, d.day, 'booked', ${stamp}, ${stamp}, ${stamp}
                       from scale_activities a
                       join enrolments e on e.activity_id = a.id
                       cross join lateral unnest(a.days) d(day)
                      where a.kind = $1 and (${BOOKS[kind]})
                      order by e.activity_id, e.child_id, d.day) x`,
            [kind, idPrefix],
          );
        }
        if (bulk) {
          // What the reservations' trigger (skipped here) keeps: the places booked each day.
          await q(
            `insert into activity_days (activity_id, day, capacity, booked)
           select r.activity_id, r.day, act.capacity, count(*)
             from reservations r join activities act on act.id = r.activity_id
            where r.town_id = $1 and r.status = 'booked'
            group by r.activity_id, r.day, act.capacity`,
            [townId],
          );
        }
      }),
    );

    // ---------------------------------------------------------------- attendance of the days past
    await phase('attendance (days past)', () =>
      withoutSecondaryIndexes('attendance', async () => {
        // Reserved: present, except one day in twelve. Not reserved: a walk-in now and then.
        await q(
          `insert into attendance (town_id, activity_id, day, child_id, enrolment_id, present, reserved, recorded_at)
         select r.town_id, r.activity_id, r.day, r.child_id, r.enrolment_id, (hashtext(r.child_id::text || r.day::text) % 12) <> 0, true,
                r.day + time '17:30'
           from reservations r where r.town_id = $1 and r.day < $2`,
          [townId, today],
        );
        await q(
          `insert into attendance (town_id, activity_id, day, child_id, enrolment_id, present, reserved, recorded_at)
         select e.town_id, e.activity_id, d.day, e.child_id, e.id, true, false, d.day + time '17:30'
           from scale_activities a
           join enrolments e on e.activity_id = a.id
           cross join lateral unnest(a.days) d(day)
          where a.kind in ('canteen', 'evening') and d.day < $1 and (hashtext(e.id::text || d.day::text) & 63) = 0
            and not exists (select 1 from reservations r where r.activity_id = e.activity_id and r.child_id = e.child_id and r.day = d.day)`,
          [today],
        );
      }),
    );

    // ---------------------------------------------------------------- quotients, documents, requests
    await phase('quotients, documents', async () => {
      await q(
        `insert into family_quotients (town_id, family_id, qf, effective_from, source, created_at)
         select f.town_id, f.id, 250 + (${familyNo} * 37) % 2300, '2026-09-01', 'caf', timestamptz '2026-08-20'
           from families f where f.town_id = $1 and ${familyNo} % 10 <> 0`,
        [townId],
      );
      await q(
        `insert into private_documents (town_id, account_id, kind, title, issued_on, valid_until, created_at, updated_at)
         select a.town_id, a.id, k.kind, k.title, date '2026-01-15' + (substr(a.username, 8)::int % 200), k.valid,
                timestamptz '2026-08-01' + make_interval(hours => substr(a.username, 8)::int % 2000 + k.n), timestamptz '2026-08-01'
           from accounts a
           cross join (values (1, 'justificatif_domicile', 'Facture d''électricité', null::date),
                              (2, 'attestation_caf', 'Attestation CAF', date '2027-01-31'),
                              (3, 'attestation_assurance', 'Assurance scolaire 2026-2027', date '2027-08-31')) k(n, kind, title, valid)
          where a.town_id = $1 and (k.n = 1 or substr(a.username, 8)::int % 4 < k.n - 1)`,
        [townId],
      );
    });
    await phase('requests, events, messages', async () => {
      // About one request a family since September, of the kinds families make most.
      await q(
        `insert into requests (town_id, family_id, account_id, child_id, type, status, summary, created_at, updated_at, decided_at, agent_id)
         select y.town_id, y.family_id, y.account_id, y.child_id, y.type, y.status, y.summary, y.created_at, y.created_at + interval '2 days',
                case when y.status in ('accepted', 'refused') then y.created_at + interval '2 days' end,
                case when y.status <> 'sent' then (select id from agents where town_id = y.town_id and username = 'agent') end
           from (
           -- The services answer within days: only the last week's requests are still open, and
           -- a few older ones wait for the family's complement.
           select x.*,
                  case when x.created_at > $2::date - 7 then (array['sent', 'sent', 'in_progress', 'complement_requested'])[1 + x.roll % 4]
                       when x.roll = 0 then 'complement_requested' when x.roll < 4 then 'refused' else 'accepted' end as status
             from (
             select a.town_id, a.family_id, a.id as account_id, case when (no + k) % 4 in (0, 2) then ch.id end as child_id,
                    (array['child_update', 'contact_change', 'enrolment', 'quotient_declaration'])[1 + (no + k) % 4] as type,
                    (no * 7 + k) % 20 as roll,
                    (array['Modification du dossier de ', 'Changement de coordonnées de ', 'Inscription de ', 'Quotient familial de '])[1 + (no + k) % 4]
                      || a.first_names || ' ' || a.last_name as summary,
                    timestamptz '2026-09-02 09:00+02' + make_interval(mins => ((no * 7919 + k * 104729) % greatest(60, ($2::date - date '2026-09-03') * 1440)))
                      as created_at
               from accounts a
               cross join lateral (select substr(a.username, 8)::int as no) n
               cross join generate_series(1, 2) k
               left join lateral (select id from children where family_id = a.family_id order by birth_date limit 1) ch on true
              where a.town_id = $1 and (k = 1 or no % 3 = 0) and no % 4 <> 1
           ) x) y`,
        [townId, today],
      );
      await q(
        `insert into request_events (town_id, request_id, from_status, to_status, actor_kind, account_id, agent_id, actor_label, comment, created_at)
         select r.town_id, r.id, null, 'sent', 'parent', r.account_id, null, 'Mme ' || a.first_names || ' ' || a.last_name, '', r.created_at
           from requests r join accounts a on a.id = r.account_id where r.town_id = $1
         union all
         select r.town_id, r.id, 'sent', r.status, 'agent', null, r.agent_id, 'Accueil Éducation',
                case r.status when 'refused' then 'Pièce justificative illisible.' when 'complement_requested' then 'Merci de joindre votre attestation.' else '' end,
                r.created_at + interval '2 days'
           from requests r where r.town_id = $1 and r.status <> 'sent'`,
        [townId],
      );
      await q(
        `insert into request_messages (town_id, request_id, author_kind, account_id, agent_id, author_label, body, created_at, read_at)
         select r.town_id, r.id, 'parent', r.account_id, null, 'Mme ' || a.first_names || ' ' || a.last_name,
                'Bonjour, vous trouverez ma demande ci-dessus. Merci.', r.created_at + interval '1 minute', null
           from requests r join accounts a on a.id = r.account_id where r.town_id = $1
         union all
         select r.town_id, r.id, 'agent', null, r.agent_id, 'Accueil Éducation', 'Bonjour, votre demande est bien prise en compte.',
                r.created_at + interval '1 day', case when hashtext(r.id::text) & 1 = 0 then r.created_at + interval '3 days' end
           from requests r where r.town_id = $1 and r.status <> 'sent'`,
        [townId],
      );
    });

    // ---------------------------------------------------------------- invoices and payments
    const months = invoicedMonths(today);
    await phase(`invoices (${months.length} months), payments`, async () => {
      if (months.length === 0) return;
      // Every billable day of the months over: its price from the family's QF (no QF: the
      // highest bracket or the ceiling), with the 30 % surcharge for a walk-in.
      await q(
        `create temp table scale_lines on commit drop as
         select c.family_id, date_trunc('month', att.day)::date as month, att.child_id, c.first_names || ' ' || c.last_name as child_name,
                att.activity_id, act.name as activity_name, att.day,
                case when not att.reserved then 'unreserved_surcharge' when att.present then 'reserved_present' else 'reserved_absent_unjustified' end as kind,
                t.category, p.price as unit_price_cents, case when att.reserved then 0 else 3000 end as surcharge_bp,
                case when att.reserved then p.price else round(p.price * 1.3)::int end as amount_cents,
                case when not att.reserved then 'Présent sans réservation : tarif majoré de 30 %' when att.present then 'Réservé, présent'
                     else 'Réservé, absent sans justificatif' end as reason,
                t.id as tariff_id, fq.qf, r.id as reservation_id
           from attendance att
           join children c on c.id = att.child_id
           join activities act on act.id = att.activity_id
           join scale_activities sa on sa.id = att.activity_id
           join tariffs t on t.id = sa.tariff_id
           left join family_quotients fq on fq.family_id = c.family_id
           left join reservations r on r.activity_id = att.activity_id and r.child_id = att.child_id and r.day = att.day
           cross join lateral (
             select case when t.model = 'effort' then least(t.effort_ceiling_cents, greatest(t.effort_floor_cents, coalesce(fq.qf * t.effort_rate_ppm / 10000, t.effort_ceiling_cents)))
                         else (select b.price_cents from tariff_brackets b where b.tariff_id = t.id and b.qf_min <= coalesce(fq.qf, 100000) order by b.qf_min desc limit 1)
                    end as price) p
          where att.town_id = $1 and att.day >= date '2026-09-01' and att.day < $2::date`,
        [townId, nextMonth(months[months.length - 1]!)],
      );
      // One invoice a family a month, numbered in the order of the months then of the families.
      await q(
        `insert into invoices (town_id, regie_id, family_id, account_id, payer_adult_id, payer_name, payer_address, month, number_year, number_seq,
                               number, issued_on, due_on, total_cents, status, paid_at, created_at)
         select $1, rg.id, s.family_id, a.id, fa.id, 'Mme ' || a.first_names || ' ' || a.last_name,
                f.address_line || E'\\n' || f.postal_code || ' ' || f.city, s.month,
                extract(year from issued)::int, row_number() over (partition by extract(year from issued) order by s.month, f.cle_enfance),
                'ENF-' || extract(year from issued)::int || '-' || lpad((row_number() over (partition by extract(year from issued) order by s.month, f.cle_enfance))::text, 6, '0'),
                issued, issued + 13, s.total,
                case when paid then 'paid' else 'issued' end, case when paid then issued + interval '5 days 10 hours' end, issued + time '06:00'
           from (select family_id, month, sum(amount_cents) as total from scale_lines group by family_id, month) s
           join families f on f.id = s.family_id
           join accounts a on a.family_id = f.id
           join family_adults fa on fa.account_id = a.id
           cross join (select id from regies where town_id = $1) rg
           cross join lateral (select (s.month + interval '1 month' + interval '1 day')::date as issued) i
           cross join lateral (select s.month < $2::date and (hashtext(f.id::text || s.month::text) % 7) <> 0 as paid) pd`,
        [townId, months[months.length - 1]],
      );
      // Like the reservations: ids that grow, the other indexes built again once filled.
      await withoutSecondaryIndexes('invoice_lines', () =>
        q(
          `insert into invoice_lines (id, town_id, invoice_id, child_id, child_name, activity_id, activity_name, day, kind, category,
                                      unit_price_cents, surcharge_bp, amount_cents, reason, tariff_id, qf, reservation_id, attendance_recorded)
           select ($2 || lpad(to_hex(nextval('scale_ids')), 16, '0'))::uuid, $1, i.id, l.child_id, l.child_name, l.activity_id,
                  l.activity_name, l.day, l.kind, l.category, l.unit_price_cents, l.surcharge_bp, l.amount_cents, l.reason, l.tariff_id, l.qf,
                  l.reservation_id, true
             from scale_lines l join invoices i on i.town_id = $1 and i.family_id = l.family_id and i.month = l.month`,
          [townId, idPrefix],
        ).then(() => undefined),
      );
      await q(
        `insert into billing_counters (town_id, regie_id, kind, year, last_number)
         select town_id, regie_id, 'invoice', number_year, max(number_seq) from invoices where town_id = $1 group by town_id, regie_id, number_year`,
        [townId],
      );
      await q(
        `insert into invoicing_runs (town_id, regie_id, month, status, total_families, processed_families, invoices_created, amount_cents,
                                     actor_label, created_at, started_at, finished_at)
         select town_id, regie_id, month, 'done', count(*), count(*), count(*), sum(total_cents), 'Reprise de Grandeville',
                min(created_at), min(created_at), min(created_at) + interval '2 minutes'
           from invoices where town_id = $1 group by town_id, regie_id, month`,
        [townId],
      );
      // The paid invoices: one card payment each, through the built-in bank.
      await q(
        `create temp table scale_payments on commit drop as
         select gen_random_uuid() as id, i.id as invoice_id, i.family_id, i.account_id, i.regie_id, i.total_cents, i.paid_at,
                row_number() over (order by i.paid_at, i.number) as no
           from invoices i where i.town_id = $1 and i.status = 'paid'`,
        [townId],
      );
      await q(
        `insert into payments (id, town_id, regie_id, family_id, account_id, provider, method, amount_cents, status, reference, provider_payment_id,
                               created_at, paid_at, settled_at)
         select p.id, $1, p.regie_id, p.family_id, p.account_id, 'builtin', 'card', p.total_cents, 'paid', 'GV' || lpad(p.no::text, 10, '0'),
                'GVB' || p.no, p.paid_at - interval '3 minutes', p.paid_at, p.paid_at
           from scale_payments p`,
        [townId],
      );
      await q(
        `insert into payment_invoices (town_id, payment_id, invoice_id, amount_cents, applied)
         select $1, p.id, p.invoice_id, p.total_cents, true from scale_payments p`,
        [townId],
      );
    });

    await q('drop table if exists scale_activities');
    await q('drop sequence if exists scale_ids');
    // VACUUM as well as ANALYZE, as autovacuum would have by the time a town is this size: the
    // visibility map lets counts and lists read indexes alone, and hint bits are set once here
    // rather than by the first pages asked for. Outside a transaction, as VACUUM must be.
    const t0 = performance.now();
    await q('vacuum (analyze)');
    phases.push({ name: 'vacuum, analyze', seconds: (performance.now() - t0) / 1000 });
    log(`  ${'vacuum, analyze'.padEnd(34)} ${phases.at(-1)!.seconds.toFixed(1).padStart(7)} s`);
    const counts = await countRows(client, townId);
    const seconds = (performance.now() - started) / 1000;
    return { townId, slug, phases, counts, seconds };
  } finally {
    client.release();
  }
}

/** Tables the seed writes, with how to count the town's rows in each. */
const COUNTED: [string, string][] = [
  ['families', 'town_id = $1'],
  ['family_adults', 'town_id = $1'],
  ['accounts', 'town_id = $1'],
  ['children', 'town_id = $1'],
  ['agents', 'town_id = $1'],
  ['schools', 'town_id = $1'],
  ['activities', 'town_id = $1'],
  ['tariffs', 'town_id = $1'],
  ['enrolments', 'town_id = $1'],
  ['reservations', 'town_id = $1'],
  ['activity_days', 'activity_id in (select id from activities where town_id = $1)'],
  ['attendance', 'town_id = $1'],
  ['family_quotients', 'town_id = $1'],
  ['private_documents', 'town_id = $1'],
  ['requests', 'town_id = $1'],
  ['request_events', 'town_id = $1'],
  ['request_messages', 'town_id = $1'],
  ['invoicing_runs', 'town_id = $1'],
  ['invoices', 'town_id = $1'],
  ['invoice_lines', 'town_id = $1'],
  ['payments', 'town_id = $1'],
  ['payment_invoices', 'town_id = $1'],
];

async function countRows(client: pg.PoolClient, townId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, where] of COUNTED) {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${table} where ${where}`, [townId]);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

function clampDay(day: string): string {
  if (day < SCHOOL_YEAR.start) return SCHOOL_YEAR.start;
  if (day > HOLIDAY_YEAR.end) return HOLIDAY_YEAR.end;
  return day;
}

/** The first days of the school year's months that are over by `today`. */
function invoicedMonths(today: string): string[] {
  const months: string[] = [];
  for (let m = '2026-09-01'; nextMonth(m) <= today && m <= '2027-08-01'; m = nextMonth(m)) months.push(m);
  return months;
}

/** The first day of the month after the one `month` ('YYYY-MM-01') starts. */
function nextMonth(month: string): string {
  return `${shiftMonth(month.slice(0, 7), 1)}-01`;
}
