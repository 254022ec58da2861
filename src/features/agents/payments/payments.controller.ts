import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { PARIS, parisDay, parisInstant } from '../../../lib/calendar/index.js';
import { contentDisposition } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import { findFamilyFile } from '../../../repositories/family-files.repository.js';
import * as payments from '../../../repositories/payments-agents.repository.js';
import {
  announcedStatusLabel,
  CHANNELS,
  channelLabel,
  eventSourceLabel,
  EVENT_CHANNEL_LABELS,
  EVENT_OUTCOME_LABELS,
  LATE_PAID_LABEL,
  METHOD_LABELS,
  parsePaymentFilters,
  paymentSearch,
  paymentsCsv,
  PAYMENTS_PAGE_SIZE,
  providerDetailRows,
  STATUS_FILTERS,
  STATUS_LABELS,
  summarizeTotals,
} from './payments-pages.js';

/**
 * The régie's payments (every agent): the list of a period with its filters (channel,
 * status, family), the money received by day and by channel, its CSV; and one payment with
 * its invoices and its trail. Another town's payment is the 404.
 */
export function paymentsController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const filters = parsePaymentFilters(req.query, parisDay(clock.now()));
    const search = paymentSearch(filters, (day) => parisInstant(day));
    if (filters.csv) {
      const all = await payments.searchPayments(pool, town.id, search, null, 0);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', contentDisposition(`paiements-${filters.from}-${filters.to}.csv`));
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      return res.send(paymentsCsv(all.rows));
    }
    const size = PAYMENTS_PAGE_SIZE;
    const [found, totals, family] = await Promise.all([
      payments.searchPayments(pool, town.id, search, size, (filters.page - 1) * size),
      payments.paidTotals(pool, town.id, search, PARIS),
      filters.familyId ? findFamilyFile(pool, town.id, filters.familyId) : undefined,
    ]);
    const pages = Math.max(1, Math.ceil(found.total / size));
    const page = Math.min(filters.page, pages);
    const values = {
      du: filters.from,
      au: filters.to,
      canal: filters.channel,
      statut: filters.status,
      famille: family ? family.id : '',
    };
    res.render('agents/payments/payments', {
      title: `Paiements${family ? ` de la famille ${family.name.toUpperCase()}` : ''}${page > 1 ? ` – page ${page}` : ''}`,
      rows: found.rows.map((p) => ({ payment: p, channel: channelLabel(p), statusLabel: STATUS_LABELS[p.status] })),
      total: found.total,
      page,
      pages,
      totals: summarizeTotals(totals),
      family: family ?? null,
      values,
      channels: CHANNELS,
      statusFilters: STATUS_FILTERS,
    });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const payment = await payments.findPaymentDetail(pool, town.id, idParam(req, 'paymentId'));
    if (!payment) throw new NotFoundError('payment of another town');
    const [invoices, events] = await Promise.all([
      payments.listPaymentInvoices(pool, town.id, payment.id),
      payments.listPaymentEvents(pool, town.id, payment.id),
    ]);
    res.render('agents/payments/payment', {
      title: `Paiement ${payment.reference}`,
      payment,
      channel: channelLabel(payment),
      methodLabel: METHOD_LABELS[payment.method],
      statusLabel: STATUS_LABELS[payment.status],
      invoices,
      events,
      details: providerDetailRows(payment.providerDetails ?? {}),
      announcedStatusLabel,
      eventSourceLabel,
      eventChannels: EVENT_CHANNEL_LABELS,
      eventOutcomes: EVENT_OUTCOME_LABELS,
      latePaidLabel: LATE_PAID_LABEL,
    });
  }

  return { list, show };
}
