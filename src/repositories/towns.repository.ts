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

export async function listPublishedNews(db: Queryable, townId: string, limit = 5): Promise<NewsItem[]> {
  const { rows } = await db.query<NewsItem>(
    `select id, title, body, published_at as "publishedAt" from news
      where town_id = $1 and published_at is not null and published_at <= now()
      order by published_at desc limit $2`,
    [townId, limit],
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
