import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { formatDate, parisDay } from '../../lib/calendar/index.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import * as repo from '../../repositories/surveys.repository.js';
import { RATINGS, RATING_LABELS } from './survey-results.js';
import { COMMENT_MAX, readAnswer } from './survey.schemas.js';
import { answerSurvey } from './survey.service.js';

/** VOTRE AVIS NOUS INTÉRESSE (seed 001): the town's open survey, answered once per account. */
export function surveyController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function render(
    req: Request,
    res: Response,
    status: number,
    o: { survey?: repo.Survey | undefined; answered?: boolean; errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const errors = o.errors ?? [];
    res.status(status).render('survey/show', {
      title: o.survey ? o.survey.title : 'Votre avis nous intéresse',
      survey: o.survey ?? null,
      answered: o.answered ?? false,
      errors,
      fieldErrors: errorMap(errors),
      values: o.values ?? {},
      ratingOptions: RATINGS.map((r) => ({ value: String(r), label: `${r} – ${RATING_LABELS[r]}` })),
      commentMax: COMMENT_MAX,
      formatDate,
    });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const survey = await repo.findOpenSurvey(pool, town.id, parisDay(clock.now()));
    const answered = survey ? await repo.hasAnswered(pool, survey.id, req.account!.id) : false;
    await render(req, res, 200, { survey, answered });
  }

  async function answer(req: Request, res: Response) {
    const town = requireTown(req);
    const survey = await repo.findOpenSurvey(pool, town.id, parisDay(clock.now()));
    if (!survey)
      return render(req, res, 409, {
        errors: [{ field: '', message: "Cette enquête est close : votre réponse n'a pas été enregistrée." }],
      });
    const form = readAnswer(req.body, survey.questions.length);
    if (!form.ok) return render(req, res, 400, { survey, ...form });
    const result = await answerSurvey({ pool, clock }, town.id, survey.id, req.account!.id, form.data);
    if (!result.ok) {
      const message =
        result.problem === 'already'
          ? 'Vous avez déjà répondu à cette enquête : une seule réponse par compte est enregistrée.'
          : "Cette enquête est close : votre réponse n'a pas été enregistrée.";
      return render(req, res, 409, { survey, answered: result.problem === 'already', errors: [{ field: '', message }] });
    }
    req.session.flash = { kind: 'success', message: 'Merci pour votre réponse.' };
    res.redirect(303, urls.survey(town));
  }

  return { show, answer };
}
