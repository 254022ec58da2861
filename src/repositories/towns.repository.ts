import type { Queryable } from '../db/pool.js';

export interface PasswordPolicy {
  minLength: number;
  upper: boolean;
  lower: boolean;
  digit: boolean;
}

export interface Town {
  id: string;
  slug: string;
  name: string;
  colour: string;
  welcomeText: string;
  passwordPolicy: PasswordPolicy;
  deadlineRules: Record<string, unknown>;
  activationDelayHours: number;
  schoolZone: 'A' | 'B' | 'C' | null;
  /** FranceConnect enabled for the town's parents (issue 18): the sign-in block shows its button. */
  franceConnect?: boolean;
}

export interface TownService {
  id: string;
  name: string;
  address: string;
  phone: string;
  email: string;
}

export interface NewsItem {
  id: string;
  title: string;
  body: string;
  publishedAt: Date;
}

const TOWN_COLUMNS = `id, slug, name, colour, welcome_text as "welcomeText", password_policy as "passwordPolicy",
  deadline_rules as "deadlineRules", activation_delay_hours as "activationDelayHours", school_zone as "schoolZone",
  exists (select 1 from franceconnect_settings f where f.town_id = towns.id and f.enabled) as "franceConnect"`;

export async function findTownBySlug(db: Queryable, slug: string): Promise<Town | undefined> {
  const { rows } = await db.query<Town>(`select ${TOWN_COLUMNS} from towns where slug = $1`, [slug]);
  return rows[0];
}

/** By id, for work that carries only the id (an import's job). */
export async function findTownById(db: Queryable, id: string): Promise<Town | undefined> {
  const { rows } = await db.query<Town>(`select ${TOWN_COLUMNS} from towns where id = $1`, [id]);
  return rows[0];
}

export async function listTowns(db: Queryable): Promise<Town[]> {
  const { rows } = await db.query<Town>(`select ${TOWN_COLUMNS} from towns order by name`);
  return rows;
}

export async function listServices(db: Queryable, townId: string): Promise<TownService[]> {
  const { rows } = await db.query<TownService>(
    `select id, name, address, phone, email from town_services where town_id = $1 order by position, name`,
    [townId],
  );
  return rows;
}

/**
 * The latest items for the town home ('public') or a family's dashboard ('families': with the
 * families' items aimed at no one in particular; aimed ones are in the archive, for whom they are).
 */
export async function listPublishedNews(
  db: Queryable,
  townId: string,
  limit = 5,
  audience: 'public' | 'families' = 'public',
): Promise<NewsItem[]> {
  const { rows } = await db.query<NewsItem>(
    `select id, title, body, published_at as "publishedAt" from news
      where town_id = $1 and published_at is not null and published_at <= now()
        and (visibility = 'public' or ($3 and target_activity_id is null and target_school_id is null))
      order by published_at desc limit $2`,
    [townId, limit, audience === 'families'],
  );
  return rows;
}

export async function currentText(
  db: Queryable,
  townId: string,
  kind: 'cgu' | 'mentions_legales',
): Promise<{ version: number; body: string } | undefined> {
  const { rows } = await db.query<{ version: number; body: string }>(
    `select version, body from town_texts where town_id = $1 and kind = $2 order by version desc limit 1`,
    [townId, kind],
  );
  return rows[0];
}

/** What the portal's menu needs to hide the entries a town has nothing behind: one cheap read, cached per town. */
export interface TownMenuFacts {
  hasNews: boolean;
  hasActivities: boolean;
  /** VOTRE AVIS NOUS INTÉRESSE: a survey open on `today` (the same condition as `hasOpenSurvey`). */
  hasOpenSurvey: boolean;
  /** INFOS PRATIQUES: a published page, or at least a service whose contact the index lists. */
  hasPracticalInfo: boolean;
}

/** `today` is the town's day (Europe/Paris, YYYY-MM-DD) from the injected clock. */
export async function townMenuFacts(db: Queryable, townId: string, today: string): Promise<TownMenuFacts> {
  const { rows } = await db.query<TownMenuFacts>(
    `select exists (select 1 from news where town_id = $1 and published_at is not null and published_at <= now()) as "hasNews",
            exists (select 1 from activities where town_id = $1) as "hasActivities",
            exists (select 1 from surveys where town_id = $1 and closed_at is null and opens_on <= $2 and closes_on >= $2) as "hasOpenSurvey",
            (exists (select 1 from practical_pages where town_id = $1 and published_at is not null)
              or exists (select 1 from town_services where town_id = $1)) as "hasPracticalInfo"`,
    [townId, today],
  );
  return rows[0] ?? { hasNews: false, hasActivities: false, hasOpenSurvey: false, hasPracticalInfo: false };
}
