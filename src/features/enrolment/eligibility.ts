import { dayLabel } from '../../lib/calendar/index.js';
import { count } from '../../lib/french.js';
import { SCHOOL_LEVELS, type EnrolmentSettings, type SchoolLevel } from '../../repositories/enrolment.repository.js';

/**
 * Who may be enrolled in an activity: an age in whole years on its first day within its
 * limits, and a school level among its levels. Pure: the offer says it, the parent's form
 * filters its children with it, and the service checks it again when the request is made.
 */

/** Whole years between a birth date and a day ('YYYY-MM-DD' strings; a 29 February birthday comes on 1 March). */
export function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** "CM1", "cm1 B", "Classe de CE2" → the level; anything else → null. */
export function schoolLevelOf(className: string): SchoolLevel | null {
  const words = className.toUpperCase().split(/[^A-Z0-9]+/);
  return SCHOOL_LEVELS.find((level) => words.includes(level)) ?? null;
}

export type Eligibility = { ok: true } | { ok: false; reason: string };

type Limits = Pick<EnrolmentSettings, 'minAge' | 'maxAge' | 'schoolLevels'>;

/** "De 6 à 11 ans", "À partir de 3 ans", "CP, CE1" … or null when the activity takes everyone. */
export function audienceWords(a: Limits): string | null {
  const parts: string[] = [];
  if (a.minAge !== null && a.maxAge !== null)
    parts.push(a.minAge === a.maxAge ? count(a.minAge, 'an', 'ans') : `De ${a.minAge} à ${count(a.maxAge, 'an', 'ans')}`);
  else if (a.minAge !== null) parts.push(`À partir de ${count(a.minAge, 'an', 'ans')}`);
  else if (a.maxAge !== null) parts.push(`Jusqu'à ${count(a.maxAge, 'an', 'ans')}`);
  if (a.schoolLevels.length > 0) parts.push(`${a.schoolLevels.length > 1 ? 'classes' : 'classe'} de ${a.schoolLevels.join(', ')}`);
  if (parts.length === 0) return null;
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function eligibility(
  child: { birthDate: string | null; className: string; enrolledUntil?: string | null },
  activity: Limits & { startDate: string; endDate: string },
): Eligibility {
  const start = dayLabel(activity.startDate, { weekday: false, year: true });
  // Enrolled to the activity's end already: there is nothing left to ask for.
  if (child.enrolledUntil && child.enrolledUntil >= activity.endDate)
    return { ok: false, reason: `déjà inscrit à cette activité jusqu'au ${dayLabel(child.enrolledUntil, { weekday: false, year: true })}` };
  if (activity.minAge !== null || activity.maxAge !== null) {
    if (!child.birthDate) return { ok: false, reason: "sa date de naissance n'est pas dans son dossier" };
    const age = ageOn(child.birthDate, activity.startDate);
    if (activity.minAge !== null && age < activity.minAge)
      return {
        ok: false,
        reason: `${count(age, 'an', 'ans')} le ${start}, moins que l'âge minimum de ${count(activity.minAge, 'an', 'ans')}`,
      };
    if (activity.maxAge !== null && age > activity.maxAge)
      return {
        ok: false,
        reason: `${count(age, 'an', 'ans')} le ${start}, plus que l'âge maximum de ${count(activity.maxAge, 'an', 'ans')}`,
      };
  }
  if (activity.schoolLevels.length > 0) {
    const level = schoolLevelOf(child.className);
    if (!level) return { ok: false, reason: "sa classe n'est pas renseignée dans son dossier" };
    if (!activity.schoolLevels.includes(level))
      return { ok: false, reason: `sa classe (${level}) n'est pas parmi ${activity.schoolLevels.join(', ')}` };
  }
  return { ok: true };
}
