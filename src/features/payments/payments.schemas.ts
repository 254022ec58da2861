import { NotFoundError } from '../../lib/errors.js';
import { UUID } from '../../lib/ids.js';

/**
 * The "Payer en ligne" form: the invoices ticked (a repeated field), the step, and at the
 * last step the total the confirmation page showed. The invoices are not typed by anyone:
 * a value that is not an invoice id is an altered form, answered as an unknown page.
 */
export const MAX_INVOICES = 60;

export interface PayForm {
  invoiceIds: string[];
  step: 'verifier' | 'payer';
  /** The total, in cents, the confirmation page showed (null when absent or not a number). */
  expectedTotalCents: number | null;
}

export function readPayForm(body: unknown): PayForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const raw = b.factures === undefined ? [] : [b.factures].flat();
  if (raw.length > MAX_INVOICES || raw.some((v) => typeof v !== 'string' || !UUID.test(v))) throw new NotFoundError('bad invoice id');
  const total = typeof b.total === 'string' && /^[0-9]{1,12}$/.test(b.total) ? Number(b.total) : null;
  return {
    invoiceIds: (raw as string[]).map((v) => v.toLowerCase()),
    step: b.etape === 'payer' ? 'payer' : 'verifier',
    expectedTotalCents: total,
  };
}
