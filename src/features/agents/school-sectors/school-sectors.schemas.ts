import { formValues, type FieldError } from '../../../lib/forms.js';
import { CONTROL_OR_BIDI as CONTROL } from '../../../lib/zod-fields.js';
import type { NewSector, School, SchoolKind } from '../../../repositories/school-sectors.repository.js';
import { streetKey } from '../../school-enrolment/street.js';

/** The two forms of the sectors' page: a school, and one line of the sector table. Pure, every error at once. */

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldError[]; values: Record<string, string> };

const KINDS: readonly SchoolKind[] = ['maternelle', 'elementaire'];

export function readSchool(body: unknown): Parsed<Omit<School, 'id'>> {
  const all = formValues(body);
  const values = { ecoleNom: all.ecoleNom ?? '', ecoleType: all.ecoleType ?? '', ecoleAdresse: all.ecoleAdresse ?? '' };
  const errors: FieldError[] = [];
  const name = values.ecoleNom.trim();
  if (!name) errors.push({ field: 'ecoleNom', message: "Saisissez le nom de l'école" });
  else if (name.length > 120 || CONTROL.test(name))
    errors.push({ field: 'ecoleNom', message: "Le nom de l'école doit faire 120 caractères au plus, sans caractère spécial" });
  if (!(KINDS as readonly string[]).includes(values.ecoleType))
    errors.push({ field: 'ecoleType', message: 'Choisissez maternelle ou élémentaire' });
  const address = values.ecoleAdresse.trim();
  if (address.length > 200 || CONTROL.test(address))
    errors.push({ field: 'ecoleAdresse', message: "L'adresse doit faire 200 caractères au plus, sans caractère spécial" });
  if (errors.length > 0) return { ok: false, errors, values };
  return { ok: true, data: { name, kind: values.ecoleType as SchoolKind, address } };
}

function houseNumber(typed: string): number | null | undefined {
  const v = typed.trim();
  if (!v) return null;
  return /^\d{1,5}$/.test(v) && Number(v) >= 1 ? Number(v) : undefined;
}

/** `schools`: the town's; another id is a forged form. */
export function readSector(body: unknown, schools: readonly { id: string }[]): Parsed<NewSector> {
  const all = formValues(body);
  const values = {
    voie: all.voie ?? '',
    numeroDebut: all.numeroDebut ?? '',
    numeroFin: all.numeroFin ?? '',
    codePostal: all.codePostal ?? '',
    ecole: all.ecole ?? '',
  };
  const errors: FieldError[] = [];
  const label = values.voie.trim();
  const key = streetKey(label);
  if (!label) errors.push({ field: 'voie', message: 'Saisissez le nom de la voie, par exemple avenue de la République' });
  else if (label.length > 200 || CONTROL.test(label))
    errors.push({ field: 'voie', message: 'La voie doit faire 200 caractères au plus, sans caractère spécial' });
  else if (!key) errors.push({ field: 'voie', message: 'Saisissez le nom de la voie, pas seulement « de la »' });
  const from = houseNumber(values.numeroDebut);
  const to = houseNumber(values.numeroFin);
  if (from === undefined) errors.push({ field: 'numeroDebut', message: 'Saisissez un numéro entre 1 et 99999, ou laissez vide' });
  if (to === undefined) errors.push({ field: 'numeroFin', message: 'Saisissez un numéro entre 1 et 99999, ou laissez vide' });
  else if (typeof from === 'number' && typeof to === 'number' && from > to) {
    errors.push({ field: 'numeroFin', message: 'Le numéro de fin doit être supérieur ou égal au numéro de début' });
  }
  if (!/^\d{5}$/.test(values.codePostal.trim())) errors.push({ field: 'codePostal', message: 'Saisissez le code postal, 5 chiffres' });
  const school = schools.find((s) => s.id === values.ecole.toLowerCase());
  if (!school) errors.push({ field: 'ecole', message: "Choisissez l'école dans la liste" });
  if (errors.length > 0 || !school) return { ok: false, errors, values };
  return {
    ok: true,
    data: {
      streetLabel: label,
      streetKey: key,
      numberFrom: from ?? null,
      numberTo: to ?? null,
      postalCode: values.codePostal.trim(),
      schoolId: school.id,
    },
  };
}
