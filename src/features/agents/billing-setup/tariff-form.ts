import { z } from 'zod';
import { fieldErrors, formValues, type FieldError } from '../../../lib/forms.js';
import { formatScaled, parseEurosToCents } from '../../../lib/french-numbers.js';
import type { NewTariff } from '../../../repositories/billing-tariffs.repository.js';
import { tariffErrors, type Bracket, type Tariff } from '../../billing/pricing.js';
import { dayField, scaledField } from './billing-setup.schemas.js';

/**
 * The form of a tariff version, both ways. Brackets are a list of rows ("QF à partir de",
 * price, non-resident price) that works without JavaScript: the form shows a number of rows
 * (`lignes`, a hidden field) and "Ajouter une tranche" sends it back to get one more. Blank
 * rows are ignored. Amounts are typed in euros ("12,50"), rates in % ("0,36 %").
 */

export const DEFAULT_ROWS = 4;
export const MAX_ROWS = 20;

/** The tariff as the service takes it; `createdBy` is the signed-in agent, set by the controller. */
export type TariffInput = NewTariff;

const MAX_CENTS = 100_000_00;
const euros = (what: string, empty?: string) =>
  scaledField({
    ...(empty ? { empty } : {}),
    invalid: `${what} est un montant en euros de 0 à 100 000, par exemple 3,80`,
    decimals: 2,
    unit: '€',
    max: MAX_CENTS,
  });
/** Blank: no separate price (null). */
const optionalEuros = (what: string) =>
  z
    .string()
    .optional()
    .transform((typed, ctx) => {
      const v = (typed ?? '').trim();
      if (v === '') return null;
      const cents = parseEurosToCents(v);
      if (cents === undefined || cents > MAX_CENTS) {
        ctx.addIssue({ code: 'custom', message: `${what} est un montant en euros de 0 à 100 000, par exemple 3,80` });
        return z.NEVER;
      }
      return cents;
    });
const reduction = (what: string) =>
  scaledField({ invalid: `${what} est un pourcentage de 0 à 100, par exemple 10`, decimals: 2, unit: '%', max: 10_000 });

const SCHOOL_YEAR_MESSAGE = 'Saisissez l’année scolaire, par exemple 2026-2027';

const commonSchema = z.object({
  anneeScolaire: z
    .string({ error: SCHOOL_YEAR_MESSAGE })
    .trim()
    .transform((v) => v.replace(/\s*[/–-]\s*/, '-'))
    .refine((v) => {
      const m = /^(\d{4})-(\d{4})$/.exec(v);
      return m !== null && Number(m[2]) === Number(m[1]) + 1 && Number(m[1]) >= 1900 && Number(m[2]) <= 2200;
    }, SCHOOL_YEAR_MESSAGE),
  dateEffet: dayField('la date d’effet du tarif'),
  categorie: z.enum(['repas', 'garde'], { error: 'Choisissez si l’activité est un repas ou une garde' }),
  modele: z.enum(['brackets', 'effort'], { error: 'Choisissez le mode de calcul du tarif' }),
  reduction2: reduction('La réduction du 2e enfant'),
  reduction3: reduction('La réduction à partir du 3e enfant'),
});

const effortSchema = z.object({
  taux: scaledField({
    empty: 'Saisissez le taux d’effort, par exemple 0,36',
    invalid: 'Le taux d’effort est un pourcentage du quotient familial, de 0,0001 à 100, par exemple 0,36',
    decimals: 4,
    unit: '%',
    max: 1_000_000,
  }).refine((v) => v > 0, 'Le taux d’effort doit être supérieur à 0'),
  plancher: euros('Le prix plancher', 'Saisissez le prix plancher, par exemple 2,60'),
  plafond: euros('Le prix plafond', 'Saisissez le prix plafond, par exemple 4,50'),
  prixNonResident: optionalEuros('Le prix pour les non-résidents'),
});

const rowSchema = (i: number) =>
  z.object({
    [`qf${i}`]: scaledField({
      empty: `Saisissez le quotient à partir duquel la tranche ${i + 1} s’applique`,
      invalid: `Le quotient de la tranche ${i + 1} est un nombre entier d’euros, de 0 à 100 000`,
      decimals: 0,
      unit: '€',
      max: 100_000,
    }),
    [`prix${i}`]: euros(`Le prix de la tranche ${i + 1}`, `Saisissez le prix de la tranche ${i + 1}`),
    [`prixNr${i}`]: optionalEuros(`Le prix non-résident de la tranche ${i + 1}`),
  });

/** How many bracket rows the form shows: what it had (hidden field `lignes`), within bounds. */
export function rowCount(body: Record<string, string>, add = false): number {
  const n = /^\d{1,2}$/.test(body.lignes ?? '') ? Number(body.lignes) : DEFAULT_ROWS;
  return Math.min(MAX_ROWS, Math.max(1, n) + (add ? 1 : 0));
}

/** Which field a rule's French message (tariffErrors, recordTariff) belongs to, for the error summary's link. */
export function fieldOf(message: string, model: string): string {
  if (/tranche|quotient/i.test(message)) return 'qf0';
  if (/taux/i.test(message)) return 'taux';
  if (/plancher/i.test(message)) return 'plancher';
  if (/prix/i.test(message)) return model === 'effort' ? 'plancher' : 'prix0';
  if (/réduction/i.test(message)) return 'reduction2';
  if (/année/i.test(message)) return 'anneeScolaire';
  return 'dateEffet';
}

export type TariffFormResult =
  { ok: true; tariff: TariffInput } | { ok: false; errors: FieldError[]; values: Record<string, string>; rows: number };

/** The form checked field by field, then by the pricing's own rules (the same the service applies). */
export function parseTariffForm(body: unknown, activityId: string): TariffFormResult {
  const values = formValues(body);
  const rows = rowCount(values);
  const fail = (errors: FieldError[]): TariffFormResult => ({ ok: false, errors, values, rows });
  const common = commonSchema.safeParse(values);
  const issues = common.success ? [] : [...common.error.issues];
  const brackets: Bracket[] = [];
  let effort: z.infer<typeof effortSchema> | undefined;
  if (values.modele === 'effort') {
    const parsed = effortSchema.safeParse(values);
    if (parsed.success) effort = parsed.data;
    else issues.push(...parsed.error.issues);
  } else if (values.modele === 'brackets') {
    for (let i = 0; i < rows; i += 1) {
      if (['qf', 'prix', 'prixNr'].every((f) => (values[`${f}${i}`] ?? '').trim() === '')) continue;
      const parsed = rowSchema(i).safeParse(values);
      if (!parsed.success) {
        issues.push(...parsed.error.issues);
        continue;
      }
      const d = parsed.data as Record<string, number | null>;
      brackets.push({ qfMin: d[`qf${i}`]!, priceCents: d[`prix${i}`]!, nonResidentPriceCents: d[`prixNr${i}`] ?? null });
    }
  }
  if (issues.length > 0 || !common.success) return fail(fieldErrors(issues));
  const c = common.data;
  const shared = {
    activityId,
    schoolYear: c.anneeScolaire,
    effectiveFrom: c.dateEffet,
    sibling2ReductionBp: c.reduction2,
    sibling3ReductionBp: c.reduction3,
    category: c.categorie,
    createdBy: null,
  };
  const tariff: TariffInput =
    c.modele === 'effort'
      ? {
          ...shared,
          model: 'effort',
          effortRatePpm: effort!.taux,
          effortFloorCents: effort!.plancher,
          effortCeilingCents: effort!.plafond,
          nonResidentPriceCents: effort!.prixNonResident,
        }
      : { ...shared, model: 'brackets', brackets: brackets.sort((a, b) => a.qfMin - b.qfMin) };
  const ruleErrors = tariffErrors(tariff);
  if (ruleErrors.length > 0) return fail(messagesToFields(ruleErrors, c.modele));
  return { ok: true, tariff };
}

/** French messages as field errors, one per field (the first), for a re-rendered form. */
export function messagesToFields(messages: string[], model: string): FieldError[] {
  const seen = new Set<string>();
  return messages.flatMap((message) => {
    const field = fieldOf(message, model);
    if (seen.has(field)) return [];
    seen.add(field);
    return [{ field, message: message.replace(/\.$/, '') }];
  });
}

const money = (cents: number | null) => (cents === null ? '' : formatScaled(cents, 2, 2));

/**
 * The form's starting values: the version in force (or the latest) with an empty date of
 * effect, so that a new version changes only what changes; a blank form otherwise.
 */
export function tariffValues(latest: Tariff | undefined, schoolYear: string): { values: Record<string, string>; rows: number } {
  const values: Record<string, string> = { anneeScolaire: schoolYear, dateEffet: '', modele: 'brackets', categorie: 'repas' };
  if (!latest) return { values, rows: DEFAULT_ROWS };
  Object.assign(values, {
    modele: latest.model,
    categorie: latest.category,
    reduction2: latest.sibling2ReductionBp ? formatScaled(latest.sibling2ReductionBp, 2) : '',
    reduction3: latest.sibling3ReductionBp ? formatScaled(latest.sibling3ReductionBp, 2) : '',
  });
  if (latest.model === 'effort') {
    Object.assign(values, {
      taux: formatScaled(latest.effortRatePpm, 4),
      plancher: money(latest.effortFloorCents),
      plafond: money(latest.effortCeilingCents),
      prixNonResident: money(latest.nonResidentPriceCents),
    });
    return { values, rows: DEFAULT_ROWS };
  }
  latest.brackets.forEach((b, i) => {
    values[`qf${i}`] = String(b.qfMin);
    values[`prix${i}`] = money(b.priceCents);
    values[`prixNr${i}`] = money(b.nonResidentPriceCents);
  });
  return { values, rows: Math.min(MAX_ROWS, Math.max(DEFAULT_ROWS, latest.brackets.length + 1)) };
}

/** The school year a day falls in: from 1 September. */
export function schoolYearOf(day: string): string {
  const year = Number(day.slice(0, 4));
  return Number(day.slice(5, 7)) >= 9 ? `${year}-${year + 1}` : `${year - 1}-${year}`;
}
