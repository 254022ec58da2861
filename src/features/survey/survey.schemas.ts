import { parseFrenchDate } from '../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../lib/forms.js';
import type { SurveyInput } from '../../repositories/surveys.repository.js';

export const COMMENT_MAX = 1000;
export const TITLE_MAX = 120;
export const INTRO_MAX = 2000;
export const QUESTION_MAX = 200;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldError[]; values: Record<string, string> };

/**
 * A family's answer: a rating from 1 to 5 for each question (`note1`…`note3`, required) and
 * an optional comment. Pure: every error at once, the typed values to show again.
 */
export function readAnswer(body: unknown, questionCount: number): Parsed<{ ratings: number[]; comment: string }> {
  const values = formValues(body);
  const errors: FieldError[] = [];
  const ratings: number[] = [];
  for (let i = 1; i <= questionCount; i++) {
    const typed = (values[`note${i}`] ?? '').trim();
    if (!typed) errors.push({ field: `note${i}`, message: `Choisissez une note pour la question ${i}` });
    else if (!/^[1-5]$/.test(typed)) errors.push({ field: `note${i}`, message: `Choisissez une note de 1 à 5 pour la question ${i}` });
    else ratings.push(Number(typed));
  }
  const comment = (values.commentaire ?? '').trim();
  if (comment.length > COMMENT_MAX)
    errors.push({ field: 'commentaire', message: `Le commentaire doit faire ${COMMENT_MAX} caractères au plus` });
  if (errors.length > 0) return { ok: false, errors, values };
  return { ok: true, data: { ratings, comment } };
}

const FIELDS = ['titre', 'introduction', 'question1', 'question2', 'question3', 'ouverture', 'cloture'] as const;

function day(values: Record<string, string>, field: string, what: string, errors: FieldError[]): string | undefined {
  const typed = (values[field] ?? '').trim();
  if (!typed) {
    errors.push({ field, message: `Saisissez ${what}` });
    return undefined;
  }
  const iso = parseFrenchDate(typed);
  if (!iso) errors.push({ field, message: `Saisissez ${what} au format JJ/MM/AAAA, par exemple 01/02/2027` });
  return iso;
}

/** The survey's form (admins): title, intro, one to three questions, opening and closing days. */
export function readSurvey(body: unknown, today: string): Parsed<SurveyInput> {
  const all = formValues(body);
  const values = Object.fromEntries(FIELDS.map((f) => [f, all[f] ?? '']));
  const errors: FieldError[] = [];
  const title = values.titre!.trim();
  if (!title) errors.push({ field: 'titre', message: "Saisissez le titre de l'enquête" });
  else if (title.length > TITLE_MAX) errors.push({ field: 'titre', message: `Le titre doit faire ${TITLE_MAX} caractères au plus` });
  const intro = values.introduction!.trim();
  if (intro.length > INTRO_MAX)
    errors.push({ field: 'introduction', message: `L'introduction doit faire ${INTRO_MAX} caractères au plus` });
  const questions: string[] = [];
  for (const f of ['question1', 'question2', 'question3'] as const) {
    const q = values[f]!.trim();
    if (q.length > QUESTION_MAX) errors.push({ field: f, message: `La question doit faire ${QUESTION_MAX} caractères au plus` });
    else if (q) questions.push(q);
  }
  if (!values.question1!.trim()) errors.push({ field: 'question1', message: 'Saisissez la première question' });
  const opensOn = day(values, 'ouverture', "la date d'ouverture", errors);
  const closesOn = day(values, 'cloture', 'la date de clôture', errors);
  if (opensOn && closesOn && closesOn < opensOn)
    errors.push({ field: 'cloture', message: "La clôture doit être le jour de l'ouverture ou après" });
  else if (closesOn && closesOn < today) errors.push({ field: 'cloture', message: 'La clôture ne peut pas être passée' });
  if (errors.length > 0 || !opensOn || !closesOn) return { ok: false, errors, values };
  return { ok: true, data: { title, intro, questions, opensOn, closesOn } };
}
