import { withTransaction } from '../../db/pool.js';
import { monthLabel, shortDate } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { formatEuros } from '../../lib/format.js';
import type { Town } from '../../repositories/towns.repository.js';
import { familyInvoice, type InvoiceView } from '../billing/billing.service.js';
import { createRequest, type ParentAccount } from '../requests/requests.service.js';
import type { ServiceContext } from '../../deps.js';

/**
 * "Mes factures", the parent's side: an invoice and one of its lines as the parent may
 * open them (404 otherwise, billing.service.ts `familyInvoice`), and contesting a line.
 */

export type Viewer = { familyId: string; accountId: string };

export function viewerOf(account: { id: string; familyId: string | null }): Viewer {
  if (!account.familyId) throw new NotFoundError('no family');
  return { familyId: account.familyId, accountId: account.id };
}

/** The invoice and one of its lines; a line of another invoice is a 404. */
export async function invoiceLine(ctx: ServiceContext, town: Town, account: ParentAccount, invoiceId: string, lineId: string) {
  const view = await familyInvoice(ctx, town.id, viewerOf(account), invoiceId);
  const line = view.lines.find((l) => l.id === lineId);
  if (!line) throw new NotFoundError('no such line');
  return { view, line };
}

/**
 * Contests a line: a request to the services with the line attached (its invoice, day,
 * child, activity, amount and reason in the payload the agents read), and the parent's
 * message as its first message, in one transaction. A line is never changed: if the
 * services agree, they issue a credit note.
 */
export async function contestLine(
  ctx: ServiceContext,
  town: Town,
  account: ParentAccount,
  { view, line }: { view: InvoiceView; line: InvoiceView['lines'][number] },
  message: string,
): Promise<string> {
  const { invoice } = view;
  return withTransaction(ctx.pool, async (db) => {
    const request = await createRequest(db, ctx, town, account, {
      type: 'invoice_contest',
      childId: line.childId,
      summary: `Facture N° ${invoice.number} : ligne du ${shortDate(line.day)} (${line.childName}, ${line.activityName})`,
      payload: {
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        monthWords: monthLabel(invoice.month.slice(0, 7)),
        lineId: line.id,
        day: line.day,
        childName: line.childName,
        activityName: line.activityName,
        kind: line.kind,
        amountCents: line.amountCents,
        amountWords: formatEuros(line.amountCents),
        reason: line.reason,
      },
      message,
    });
    return request.id;
  });
}
