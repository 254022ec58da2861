import type { Queryable } from '../db/pool.js';

export interface SurveyInput {
  title: string;
  intro: string;
  questions: string[];
  opensOn: string;
  closesOn: string;
}

export interface Survey extends SurveyInput {
  id: string;
  closedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, title, intro, questions, opens_on as "opensOn", closes_on as "closesOn", closed_at as "closedAt", created_at as "createdAt"`;

export async function listSurveys(db: Queryable, townId: string): Promise<(Survey & { answers: number })[]> {
  const { rows } = await db.query<Survey & { answers: number }>(
    `select ${COLUMNS}, (select count(*)::int from survey_answers a where a.survey_id = s.id) as answers
       from surveys s where town_id = $1 order by opens_on desc, created_at desc`,
    [townId],
  );
  return rows;
}

export async function findSurvey(db: Queryable, townId: string, id: string): Promise<Survey | undefined> {
  const { rows } = await db.query<Survey>(`select ${COLUMNS} from surveys where town_id = $1 and id = $2`, [townId, id]);
  return rows[0];
}

/**
 * The survey families can answer today: not closed, and `today` between its opening and
 * closing days. This is what tells whether the town shows VOTRE AVIS NOUS INTÉRESSE.
 */
export async function findOpenSurvey(db: Queryable, townId: string, today: string): Promise<Survey | undefined> {
  const { rows } = await db.query<Survey>(
    `select ${COLUMNS} from surveys where town_id = $1 and closed_at is null and opens_on <= $2 and closes_on >= $2`,
    [townId, today],
  );
  return rows[0];
}

/** Whether the town shows VOTRE AVIS NOUS INTÉRESSE today (read on every page: cache it). */
export async function hasOpenSurvey(db: Queryable, townId: string, today: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from surveys where town_id = $1 and closed_at is null and opens_on <= $2 and closes_on >= $2 limit 1`,
    [townId, today],
  );
  return rows.length > 0;
}

/** The survey not yet closed (open, or waiting for its opening day): only one per town. */
export async function findUnclosedSurvey(db: Queryable, townId: string): Promise<Survey | undefined> {
  const { rows } = await db.query<Survey>(`select ${COLUMNS} from surveys where town_id = $1 and closed_at is null`, [townId]);
  return rows[0];
}

/** Surveys whose closing day has passed are closed for good, so that a new one can be opened. */
export async function closeExpiredSurveys(db: Queryable, townId: string, today: string, now: Date): Promise<void> {
  await db.query(`update surveys set closed_at = $3 where town_id = $1 and closed_at is null and closes_on < $2`, [townId, today, now]);
}

export async function insertSurvey(db: Queryable, townId: string, s: SurveyInput): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into surveys (town_id, title, intro, questions, opens_on, closes_on) values ($1, $2, $3, $4, $5, $6) returning id`,
    [townId, s.title, s.intro, s.questions, s.opensOn, s.closesOn],
  );
  return rows[0]!.id;
}

export async function closeSurvey(db: Queryable, townId: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(`update surveys set closed_at = $3 where town_id = $1 and id = $2 and closed_at is null`, [
    townId,
    id,
    now,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function hasAnswered(db: Queryable, surveyId: string, accountId: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from survey_participations where survey_id = $1 and account_id = $2`, [surveyId, accountId]);
  return rows.length > 0;
}

/** The "once": refused by the primary key (survey_participations_once) on a second answer. */
export async function insertParticipation(db: Queryable, townId: string, surveyId: string, accountId: string): Promise<void> {
  await db.query(`insert into survey_participations (town_id, survey_id, account_id) values ($1, $2, $3)`, [townId, surveyId, accountId]);
}

export async function insertAnswer(
  db: Queryable,
  townId: string,
  surveyId: string,
  a: { ratings: number[]; comment: string },
): Promise<void> {
  await db.query(`insert into survey_answers (town_id, survey_id, ratings, comment) values ($1, $2, $3, $4)`, [
    townId,
    surveyId,
    a.ratings,
    a.comment,
  ]);
}

/** Every answer's ratings and comment, without anything that says whose it is. */
export async function listAnswers(db: Queryable, townId: string, surveyId: string): Promise<{ ratings: number[]; comment: string }[]> {
  const { rows } = await db.query<{ ratings: number[]; comment: string }>(
    `select ratings, comment from survey_answers where town_id = $1 and survey_id = $2 order by id`,
    [townId, surveyId],
  );
  return rows;
}
