import type { ServiceContext } from '../../deps.js';
import { isUniqueViolation, withTransaction } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { parisDay } from '../../lib/calendar/index.js';
import * as repo from '../../repositories/surveys.repository.js';

type Acting = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

/** Whether families may answer today: not closed, between its opening and closing days. */
export function isSurveyOpen(s: Pick<repo.Survey, 'opensOn' | 'closesOn' | 'closedAt'>, today: string): boolean {
  return s.closedAt === null && s.opensOn <= today && today <= s.closesOn;
}

/**
 * Records a family's answer: the participation (the account, only for "once") and the answer
 * (anonymous) in one transaction. A second answer is refused by the participation's key,
 * even from two tabs at once.
 */
export async function answerSurvey(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  townId: string,
  surveyId: string,
  accountId: string,
  answer: { ratings: number[]; comment: string },
): Promise<{ ok: true } | { ok: false; problem: 'already' | 'closed' }> {
  const today = parisDay(ctx.clock.now());
  try {
    return await withTransaction(ctx.pool, async (db) => {
      const survey = await repo.findSurvey(db, townId, surveyId);
      if (!survey || !isSurveyOpen(survey, today) || answer.ratings.length !== survey.questions.length) {
        return { ok: false as const, problem: 'closed' as const };
      }
      await repo.insertParticipation(db, townId, surveyId, accountId);
      await repo.insertAnswer(db, townId, surveyId, answer);
      return { ok: true as const };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'survey_participations_once')) return { ok: false, problem: 'already' };
    throw err;
  }
}

/** Opens a survey (admins): one at a time per town; those past their closing day are closed first. */
export async function openSurvey(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  townId: string,
  acting: Acting,
  input: repo.SurveyInput,
): Promise<{ ok: true; id: string } | { ok: false; current: repo.Survey }> {
  const now = ctx.clock.now();
  try {
    return await withTransaction(ctx.pool, async (db) => {
      await repo.closeExpiredSurveys(db, townId, parisDay(now), now);
      const current = await repo.findUnclosedSurvey(db, townId);
      if (current) return { ok: false as const, current };
      const id = await repo.insertSurvey(db, townId, input);
      await audit(db, { ...acting, townId, action: 'survey.open', targetType: 'survey', targetId: id, details: { ...input }, at: now });
      return { ok: true as const, id };
    });
  } catch (err) {
    // Two admins opening one at the same instant: the second finds the first.
    if (isUniqueViolation(err, 'surveys_one_open_idx')) {
      const current = await repo.findUnclosedSurvey(ctx.pool, townId);
      if (current) return { ok: false, current };
    }
    throw err;
  }
}

export async function closeSurvey(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  townId: string,
  acting: Acting,
  id: string,
): Promise<boolean> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db) => {
    if (!(await repo.closeSurvey(db, townId, id, now))) return false;
    await audit(db, { ...acting, townId, action: 'survey.close', targetType: 'survey', targetId: id, at: now });
    return true;
  });
}
