import type { SchoolKind } from '../../repositories/school-sectors.repository.js';

/** The class levels of maternelle and élémentaire, in order, with the kind of school each goes to. */
export const LEVELS = [
  { value: 'PS', label: 'Petite section (PS)', kind: 'maternelle' },
  { value: 'MS', label: 'Moyenne section (MS)', kind: 'maternelle' },
  { value: 'GS', label: 'Grande section (GS)', kind: 'maternelle' },
  { value: 'CP', label: 'CP', kind: 'elementaire' },
  { value: 'CE1', label: 'CE1', kind: 'elementaire' },
  { value: 'CE2', label: 'CE2', kind: 'elementaire' },
  { value: 'CM1', label: 'CM1', kind: 'elementaire' },
  { value: 'CM2', label: 'CM2', kind: 'elementaire' },
] as const satisfies readonly { value: string; label: string; kind: SchoolKind }[];

export type Level = (typeof LEVELS)[number]['value'];

export function levelOf(value: unknown): (typeof LEVELS)[number] | undefined {
  return LEVELS.find((l) => l.value === value);
}

/** The school year a pre-enrolment made on `today` is for: the next rentrée ("2027-2028" from March 2027 or October 2026… until August). */
export function nextSchoolYear(today: string): string {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const start = month >= 9 ? year + 1 : year;
  return `${start}-${start + 1}`;
}

export const KIND_LABELS: Record<SchoolKind, string> = { maternelle: 'Maternelle', elementaire: 'Élémentaire' };
