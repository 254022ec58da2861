import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { contentDisposition } from '../../../lib/downloads.js';
import { formatDate, parisDay, shortDate } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as repo from '../../../repositories/surveys.repository.js';
import { urls } from '../../../routes.js';
import { RATINGS, RATING_LABELS, ratingChart, resultsCsv, surveyResults } from '../../survey/survey-results.js';
import { INTRO_MAX, QUESTION_MAX, readSurvey, TITLE_MAX } from '../../survey/survey.schemas.js';
import { closeSurvey, isSurveyOpen, openSurvey } from '../../survey/survey.service.js';

/**
 * Enquêtes in the back-office: admins open a survey (one at a time) and close it; every agent
 * reads the results, anonymous (counts, chart and table, average, comments) and their CSV.
 */
export function surveysController(deps: AppDeps) {
  const { pool, clock } = deps;

  const state = (s: repo.Survey, today: string) =>
    isSurveyOpen(s, today) ? 'Ouverte' : s.closedAt || s.closesOn < today ? 'Close' : 'À venir';

  async function loadSurvey(req: Request): Promise<repo.Survey> {
    const survey = await repo.findSurvey(pool, requireTown(req).id, idParam(req, 'surveyId'));
    if (!survey) throw new NotFoundError('survey of another town');
    return survey;
  }

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const today = parisDay(clock.now());
    const surveys = await repo.listSurveys(pool, town.id);
    res.render('agents/surveys/index', {
      title: 'Enquêtes de satisfaction',
      surveys: surveys.map((s) => ({ ...s, state: state(s, today) })),
      isAdmin: req.agent?.role === 'admin',
      formatDate,
    });
  }

  function renderForm(res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    res.status(status).render('agents/surveys/form', {
      title: 'Ouvrir une enquête de satisfaction',
      errors,
      fieldErrors: errorMap(errors),
      values,
      limits: { title: TITLE_MAX, intro: INTRO_MAX, question: QUESTION_MAX },
    });
  }

  function showNew(_req: Request, res: Response) {
    const today = parisDay(clock.now());
    renderForm(res, 200, [], { ouverture: shortDate(today) });
  }

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = readSurvey(req.body, parisDay(clock.now()));
    if (!form.ok) return renderForm(res, 400, form.errors, form.values);
    const result = await openSurvey({ pool, clock }, town.id, auditActor(req), form.data);
    if (!result.ok) {
      const message = `L'enquête « ${result.current.title} » n'est pas close : clôturez-la avant d'en ouvrir une autre.`;
      return renderForm(res, 409, [{ field: '', message }], formValues(req.body));
    }
    req.session.flash = { kind: 'success', message: `L'enquête ${form.data.title} est ouverte.` };
    res.redirect(303, urls.agentSurvey(town, result.id));
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const survey = await loadSurvey(req);
    const answers = await repo.listAnswers(pool, town.id, survey.id);
    const results = surveyResults(survey.questions, answers);
    res.render('agents/surveys/show', {
      title: `Résultats : ${survey.title}`,
      survey,
      state: state(survey, parisDay(clock.now())),
      // Closed by an admin before its closing day (one past its day is closed when the next opens).
      closedEarly: survey.closedAt !== null && parisDay(survey.closedAt) < survey.closesOn ? survey.closedAt : null,
      answerCount: answers.length,
      results: results.map((r) => ({ ...r, chart: ratingChart(r.counts) })),
      comments: answers.map((a) => a.comment).filter((c) => c !== ''),
      ratings: RATINGS.map((r) => ({ value: r, label: RATING_LABELS[r] })),
      isAdmin: req.agent?.role === 'admin',
      formatDate,
    });
  }

  async function close(req: Request, res: Response) {
    const town = requireTown(req);
    const survey = await loadSurvey(req);
    const closed = await closeSurvey({ pool, clock }, town.id, auditActor(req), survey.id);
    req.session.flash = closed
      ? { kind: 'success', message: `L'enquête ${survey.title} est close.` }
      : { kind: 'success', message: `L'enquête ${survey.title} était déjà close.` };
    res.redirect(303, urls.agentSurvey(town, survey.id));
  }

  async function exportCsv(req: Request, res: Response) {
    const town = requireTown(req);
    const survey = await loadSurvey(req);
    const results = surveyResults(survey.questions, await repo.listAnswers(pool, town.id, survey.id));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition(`enquete-${survey.opensOn}.csv`));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(resultsCsv(results));
  }

  return { list, showNew, create, show, close, exportCsv };
}
