import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasOpenSurvey } from '../../../src/repositories/surveys.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, signedInAgent, signedInFamily } from '../requests/helpers.js';

/**
 * VOTRE AVIS NOUS INTÉRESSE (issue 17): an admin opens a survey; each account answers it
 * once (ratings 1 to 5 required, an optional comment); agents read the anonymous results
 * (counts, chart with its table, average, comments, CSV); closing it stops the answers.
 */

const NOW = '2026-12-03T09:00:00Z';
const SLUG = 'tarnos';
let t: TestApp;
const db = () => t.db.pool;
let admin: ReturnType<TestApp['agent']>;
let surveyId: string;

const valid = { note1: '4', note2: '5', commentaire: 'Les repas sont bons.' };
const answer = (agent: ReturnType<TestApp['agent']>, fields: Record<string, string>) =>
  postForm(agent, urls.survey(SLUG), urls.survey(SLUG), fields);

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  admin = t.agent();
  const a = await createAgentFixture(db(), SLUG, 'admin');
  await signInAgent(admin, SLUG, a.username, a.password);
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

describe('opening a survey (admins)', () => {
  it('refuses an agent who is not an admin', async () => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    expect((await agent.get(urls.agentSurveyNew(SLUG))).status).toBe(404);
    const post = await postForm(agent, urls.agentSurveys(SLUG), urls.agentSurveyNew(SLUG), {
      titre: 'X',
      question1: 'Q ?',
      ouverture: '03/12/2026',
      cloture: '31/12/2026',
    });
    expect(post.status).toBe(404);
    expect((await db().query(`select 1 from surveys s join towns t on t.id = s.town_id where t.slug = $1`, [SLUG])).rowCount).toBe(0);
    const list = page(await agent.get(urls.agentSurveys(SLUG)));
    expect(list.links().map((l) => l.text)).not.toContain('Ouvrir une enquête');
  });

  it('says what is wrong with the form', async () => {
    const noToken = await admin
      .post(urls.agentSurveyNew(SLUG))
      .type('form')
      .send({ titre: 'X', question1: 'Q ?', ouverture: '03/12/2026', cloture: '31/12/2026' });
    expect(noToken.status).toBe(403);
    const res = await postForm(admin, urls.agentSurveyNew(SLUG), urls.agentSurveyNew(SLUG), {
      titre: '',
      question1: '',
      ouverture: '01/12/2026',
      cloture: '30/11/2026',
    });
    expect(res.status).toBe(400);
    expect(
      page(res)
        .errorSummary()
        .map((e) => e.field),
    ).toEqual(['titre', 'question1', 'cloture']);
  });

  it('opens one, audited, and refuses a second while it is not closed', async () => {
    const fields = {
      titre: 'La cantine',
      introduction: 'Votre avis sur la cantine.',
      question1: 'Les repas ?',
      question2: "L'accueil ?",
      question3: '',
      ouverture: '01/12/2026',
      cloture: '31/01/2027',
    };
    const res = await postForm(admin, urls.agentSurveyNew(SLUG), urls.agentSurveyNew(SLUG), fields);
    expect(res.status).toBe(303);
    surveyId = res.headers.location!.split('/').pop()!;
    expect(res.headers.location).toBe(urls.agentSurvey(SLUG, surveyId));
    const { rows } = await db().query(`select action from audit_log where target_id = $1`, [surveyId]);
    expect(rows.map((r) => r.action)).toEqual(['survey.open']);
    const again = await postForm(admin, urls.agentSurveyNew(SLUG), urls.agentSurveyNew(SLUG), { ...fields, titre: 'Une autre' });
    expect(again.status).toBe(409);
    expect(page(again).errorSummary()[0]!.message).toContain("« La cantine » n'est pas close");
  });
});

describe('answering (families)', () => {
  it('shows the questions as radio groups, says the answer is anonymous, and refuses each invalid input', async () => {
    const parent = t.agent();
    await signedInFamily(db(), parent, SLUG, 'AVISUN');
    const form = page(await parent.get(urls.survey(SLUG)));
    expect(form.heading()).toBe('La cantine');
    expect(form.texts('fieldset legend')).toEqual(['* Les repas ? (obligatoire)', "* L'accueil ? (obligatoire)"]);
    expect(form.text('.hint')).toContain('Votre réponse est anonyme');

    const outOfRange = await answer(parent, { ...valid, note1: '6' });
    expect(outOfRange.status).toBe(400);
    expect(page(outOfRange).errorSummary()).toEqual([{ field: 'note1', message: 'Choisissez une note de 1 à 5 pour la question 1' }]);
    const missing = await answer(parent, { note1: '3', commentaire: 'Sans la deuxième' });
    expect(missing.status).toBe(400);
    expect(page(missing).fieldError('note2')).toBe('Choisissez une note pour la question 2');
    expect(page(missing).fieldValue('commentaire')).toBe('Sans la deuxième');
    expect(page(missing).checked('note1')).toEqual(['3']);
    const tooLong = await answer(parent, { ...valid, commentaire: 'x'.repeat(1001) });
    expect(tooLong.status).toBe(400);
    expect(page(tooLong).fieldError('commentaire')).toBe('Le commentaire doit faire 1000 caractères au plus');
    const noToken = await parent.post(urls.survey(SLUG)).type('form').send(valid);
    expect(noToken.status).toBe(403);
    expect((await db().query(`select 1 from survey_answers where survey_id = $1`, [surveyId])).rowCount).toBe(0);
  });

  it('takes one answer per account; a second is refused and the page says thank you', async () => {
    const parent = t.agent();
    await signedInFamily(db(), parent, SLUG, 'AVISDEUX');
    const res = await answer(parent, valid);
    expect(res.status).toBe(303);
    const after = page(await parent.get(urls.survey(SLUG)));
    expect(after.text('.notice')).toContain('Merci, vous avez déjà répondu');
    expect(after.has('form[action$="/votre-avis"]')).toBe(false);
    const twice = await postForm(parent, urls.dashboard(SLUG), urls.survey(SLUG), { ...valid, note1: '1' });
    expect(twice.status).toBe(409);
    expect(page(twice).errorSummary()[0]!.message).toContain('Vous avez déjà répondu à cette enquête');
    const { rows } = await db().query(`select ratings from survey_answers where survey_id = $1`, [surveyId]);
    expect(rows).toEqual([{ ratings: [4, 5] }]);
  });

  it("shows only the family's own town's survey", async () => {
    const parent = t.agent();
    await signedInFamily(db(), parent, 'villennes', 'AVISTROIS');
    const other = page(await parent.get(urls.survey('villennes')));
    expect(other.text('main')).toContain("Aucune enquête n'est ouverte en ce moment");
    const otherAgent = t.agent();
    await signedInAgent(db(), otherAgent, 'villennes');
    expect((await otherAgent.get(urls.agentSurvey('villennes', surveyId))).status).toBe(404);
    expect((await otherAgent.get(urls.agentSurveyExport('villennes', surveyId))).status).toBe(404);
  });
});

describe('results (agents)', () => {
  it('counts each rating in a chart and its table, with the average, the comments and a CSV, never who answered', async () => {
    const second = t.agent();
    await signedInFamily(db(), second, SLUG, 'AVISQUATRE');
    expect((await answer(second, { note1: '2', note2: '5', commentaire: '=HYPERLINK("x")' })).status).toBe(303);

    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const res = page(await agent.get(urls.agentSurvey(SLUG, surveyId)));
    expect(res.dd('Nombre de réponses')).toBe('2');
    expect(res.attrs('svg[role="img"]', 'aria-labelledby')).toEqual([
      'graphique-1-titre graphique-1-desc',
      'graphique-2-titre graphique-2-desc',
    ]);
    expect(res.text('#graphique-1-desc')).toContain('note 2 : 1, note 3 : 0, note 4 : 1');
    expect(res.row('2 – Peu satisfait', 'table:first-of-type').cells).toEqual(['1']);
    expect(res.text('main')).toContain('Moyenne : 3 sur 5 (2 réponses)');
    expect(res.texts('.survey-comments li').sort()).toEqual(['=HYPERLINK("x")', 'Les repas sont bons.']);
    expect(res.text('main')).not.toContain('AVISDEUX');

    const csv = await agent.get(urls.agentSurveyExport(SLUG, surveyId));
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n')).toEqual([
      '\uFEFFQuestion;Note 1;Note 2;Note 3;Note 4;Note 5;Réponses;Moyenne',
      'Les repas ?;0;1;0;1;0;2;3',
      "L'accueil ?;0;0;0;0;2;2;5",
      '',
    ]);
  });

  it('closes it (admins): families can no longer answer, and a new one can be opened', async () => {
    const parent = t.agent();
    await signedInFamily(db(), parent, SLUG, 'AVISCINQ');
    const token = page(await parent.get(urls.survey(SLUG))).csrf();
    const tarnos = await town(db(), SLUG);
    expect(await hasOpenSurvey(db(), tarnos.id, '2026-12-03')).toBe(true);
    const closed = await postForm(admin, urls.agentSurvey(SLUG, surveyId), urls.agentSurveyClose(SLUG, surveyId), {});
    expect(await hasOpenSurvey(db(), tarnos.id, '2026-12-03')).toBe(false);
    expect(closed.status).toBe(303);
    const late = await parent
      .post(urls.survey(SLUG))
      .type('form')
      .send({ _csrf: token, ...valid });
    expect(late.status).toBe(409);
    expect(page(late).errorSummary()[0]!.message).toBe("Cette enquête est close : votre réponse n'a pas été enregistrée.");
    expect(page(await parent.get(urls.survey(SLUG))).text('main')).toContain("Aucune enquête n'est ouverte");
    const list = page(await admin.get(urls.agentSurveys(SLUG)));
    expect(list.row('La cantine').cells).toEqual(['01/12/2026', '31/01/2027', '2', 'Close']);
    const next = await postForm(admin, urls.agentSurveyNew(SLUG), urls.agentSurveyNew(SLUG), {
      titre: 'Le périscolaire',
      question1: 'La garderie ?',
      ouverture: '03/12/2026',
      cloture: '31/12/2026',
    });
    expect(next.status).toBe(303);
    const { rows } = await db().query(`select action from audit_log where target_id = $1 order by created_at, action desc`, [surveyId]);
    expect(rows.map((r) => r.action)).toEqual(['survey.open', 'survey.close']);
  });
});
