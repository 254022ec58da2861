import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { addDays, formatDate, PARIS, parisDay, parisInstant, parseFrenchDate } from '../../../lib/calendar/index.js';
import { formValues } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as payments from '../../../repositories/payments-agents.repository.js';
import {
  channelLabel,
  EVENT_CHANNEL_LABELS,
  EVENT_OUTCOME_LABELS,
  LATE_PAID_LABEL,
  pendingAge,
  STATUS_LABELS,
  summarizeTotals,
} from './payments-pages.js';

/**
 * The daily reconciliation (every agent): what of a day needs an agent's eye — payments
 * still pending, whatever their day (those past an hour stand out), refused, abandoned or failed ones, invoices
 * paid twice (money to give back), direct debits the bank rejected, notifications that were
 * forged, did not match or named no payment, a provider's 'paid' for a payment already closed
 * — and the day's money by channel, to compare
 * with the bank's and the DGFiP's statements.
 */
export function reconciliationController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const now = clock.now();
    const today = parisDay(now);
    const day = parseFrenchDate((formValues(req.query).jour ?? '').trim()) ?? today;
    const from = parisInstant(day);
    const to = parisInstant(addDays(day, 1));
    const [open, failed, paidTwice, rejected, alerts, totals] = await Promise.all([
      payments.listOpenPayments(pool, town.id),
      payments.listFailedPayments(pool, town.id, from, to),
      payments.listPaidTwice(pool, town.id, from, to),
      payments.listRejectedDebits(pool, town.id, from, to),
      payments.listAlertEvents(pool, town.id, from, to),
      payments.paidTotals(pool, town.id, { from, to, statuses: ['paid'] }, PARIS),
    ]);
    const row = (p: payments.PaymentListRow) => ({ payment: p, channel: channelLabel(p), statusLabel: STATUS_LABELS[p.status] });
    res.render('agents/payments/reconciliation', {
      title: `Rapprochement du ${formatDate(day)}`,
      day,
      isToday: day === today,
      previousDay: addDays(day, -1),
      nextDay: day < today ? addDays(day, 1) : null,
      values: { jour: day },
      open: open.map((p) => ({ ...row(p), age: pendingAge(p.createdAt, now) })),
      failed: failed.map(row),
      paidTwice: paidTwice.map(row),
      rejected,
      alerts,
      totals: summarizeTotals(totals),
      eventChannels: EVENT_CHANNEL_LABELS,
      // The only replays listed are the provider's 'paid' after the payment was closed.
      eventOutcomes: { ...EVENT_OUTCOME_LABELS, replay: LATE_PAID_LABEL },
    });
  }

  return { show };
}
