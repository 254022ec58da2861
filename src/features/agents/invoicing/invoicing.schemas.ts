import { z } from 'zod';
import { parseMonthKey } from '../../../lib/calendar/index.js';
import { formValues, type FieldError } from '../../../lib/forms.js';
import { CONTROL, line, required } from '../../../lib/zod-fields.js';
import { UUID } from '../../../lib/ids.js';
import type { InvoiceSearch, InvoiceStatusFilter } from '../../../repositories/billing-invoices.repository.js';

/** The forms and filters of the régie's pages (/agents/facturation/…). */

/**
 * A month as agents type it: "2026-11", "11/2026" or "11-2026" → 'YYYY-MM'; undefined when it
 * is no month of the accepted range.
 */
export function readMonth(value: string): string | undefined {
  const v = value.trim();
  const french = /^(\d{1,2})[/.-](\d{4})$/.exec(v);
  return parseMonthKey(french ? `${french[2]}-${french[1]!.padStart(2, '0')}` : v);
}

/**
 * Euros as typed in France, "12,50", "12.5", "12 €" → cents, without a float deciding a
 * cent; undefined for anything else (negative, three decimals, letters).
 */
export function eurosToCents(value: string): number | undefined {
  const v = value.replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '');
  const m = /^(\d{1,7})(?:[,.](\d{1,2}))?$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const month = (empty: string) =>
  required(empty, z.string()).refine((v) => readMonth(v) !== undefined, 'Le mois s’écrit sous la forme 2026-11 ou 11/2026.');

export const startRunSchema = z.object({
  regie: required('Choisissez la régie à facturer.', z.string()),
  mois: month('Indiquez le mois à facturer, par exemple 2026-11.'),
});

export const creditNoteSchema = z.object({
  montant: required('Indiquez le montant de l’avoir, par exemple 12,50.', z.string()).refine(
    (v) => eurosToCents(v) !== undefined,
    'Le montant s’écrit en euros, par exemple 12,50.',
  ),
  motif: required('Indiquez le motif de l’avoir.', line('Le motif', 500)),
});

export const exportSchema = z.object({
  regie: required('Choisissez la régie.', z.string()),
  mois: month('Indiquez le mois à exporter, par exemple 2026-11.'),
});

/** A régie chosen in a form must be one of the town's: a stale or forged value is an input error, not a 404. */
export function regieError(field: string, regieId: string, regies: readonly { id: string }[]): FieldError | undefined {
  return UUID.test(regieId) && regies.some((r) => r.id === regieId.toLowerCase())
    ? undefined
    : { field, message: 'Choisissez une régie de la liste.' };
}

export const STATUS_FILTERS: readonly { value: InvoiceStatusFilter; label: string }[] = [
  { value: 'a_payer', label: 'À payer' },
  { value: 'payee', label: 'Payée' },
  { value: 'en_retard', label: 'En retard' },
];

export interface InvoiceFilters {
  search: InvoiceSearch;
  page: number;
  /** The query as the form shows it again (and the pagination's links keep it). */
  values: { mois: string; statut: string; regie: string; q: string; famille: string };
}

/**
 * The list's filters from the query string. A view query does not fail: what cannot be read
 * is left out (a month that is no month, an unknown status, a régie or family that is no id).
 */
export function parseInvoiceFilters(query: unknown): InvoiceFilters {
  const raw = formValues(query);
  const get = (k: string) => (raw[k] ?? '').trim();
  const monthKey = readMonth(get('mois'));
  const status = STATUS_FILTERS.find((s) => s.value === get('statut'))?.value;
  const regie = UUID.test(get('regie')) ? get('regie').toLowerCase() : undefined;
  const famille = UUID.test(get('famille')) ? get('famille').toLowerCase() : undefined;
  const q = get('q').replace(new RegExp(CONTROL.source, 'gu'), ' ').slice(0, 100).trim();
  const pageNumber = Number(get('page') || '1');
  const page = Number.isInteger(pageNumber) && pageNumber >= 1 && pageNumber <= 10_000 ? pageNumber : 1;
  return {
    search: {
      ...(monthKey ? { month: `${monthKey}-01` } : {}),
      ...(regie ? { regieId: regie } : {}),
      ...(status ? { status } : {}),
      ...(q ? { q } : {}),
      ...(famille ? { familyId: famille } : {}),
    },
    page,
    values: { mois: monthKey ?? '', statut: status ?? '', regie: regie ?? '', q, famille: famille ?? '' },
  };
}
