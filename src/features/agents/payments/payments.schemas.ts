import { z } from 'zod';
import { looksLikeFrenchDate, parseFrenchDate } from '../../../lib/calendar/index.js';
import { UUID } from '../../../lib/ids.js';
import { line, required } from '../../../lib/zod-fields.js';
import type { CounterMethod } from '../../../repositories/payments-agents.repository.js';
import { eurosToCents } from '../invoicing/invoicing.schemas.js';

/** The forms of the counter (/agents/facturation/paiements/guichet): a payment received, and what the counter takes. */

export const COUNTER_METHODS: readonly { value: CounterMethod; label: string }[] = [
  { value: 'cash', label: 'Espèces' },
  { value: 'cheque', label: 'Chèque' },
  { value: 'cesu', label: 'CESU (chèque emploi service universel)' },
  { value: 'card', label: 'Carte bancaire (terminal de la régie)' },
];

const METHOD_VALUES = COUNTER_METHODS.map((m) => m.value) as [CounterMethod, ...CounterMethod[]];

export const counterPaymentSchema = z.object({
  moyen: z.enum(METHOD_VALUES, { error: 'Choisissez le moyen de paiement.' }),
  montant: required('Indiquez le montant reçu, par exemple 42,50.', z.string()).refine(
    (v) => (eurosToCents(v) ?? 0) > 0,
    'Le montant s’écrit en euros, par exemple 42,50.',
  ),
  date: required('Indiquez la date de réception du paiement, par exemple 02/12/2026.', z.string()).superRefine((v, ctx) => {
    if (parseFrenchDate(v) !== undefined) return;
    const message = looksLikeFrenchDate(v)
      ? 'Cette date n’existe pas : vérifiez le jour et le mois.'
      : 'La date s’écrit sous la forme 02/12/2026.';
    ctx.addIssue({ code: 'custom', message });
  }),
  note: line('La note', 300).optional().default(''),
});

/**
 * The invoices ticked: ids, at most 100. Undefined when a value is no id (a forged form:
 * "choose in the list"); the service then checks each is an unpaid invoice of the family.
 */
export function tickedInvoices(body: unknown): string[] | undefined {
  const raw = (body as Record<string, unknown> | undefined)?.factures;
  // An empty value is no invoice (what a form with no box ticked may send).
  const list = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).filter((v) => v !== '');
  if (list.length > 100 || list.some((v) => typeof v !== 'string' || !UUID.test(v))) return undefined;
  return [...new Set((list as string[]).map((v) => v.toLowerCase()))];
}

/** The methods ticked on the admin's form; undefined when one is not a method the counter may take. */
export function tickedMethods(body: unknown): CounterMethod[] | undefined {
  const raw = (body as Record<string, unknown> | undefined)?.moyens;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.some((v) => typeof v !== 'string' || !METHOD_VALUES.includes(v as CounterMethod))) return undefined;
  // In the list's order, once each: the settings read the same whatever order the boxes came in.
  return METHOD_VALUES.filter((m) => list.includes(m));
}
