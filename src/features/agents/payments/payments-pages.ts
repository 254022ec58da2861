import {
  addDays,
  daysBetween,
  formatDate,
  formatDateTime,
  formatLongDate,
  formatTime,
  parisDay,
  parseFrenchDate,
} from '../../../lib/calendar/index.js';
import { formatEuros } from '../../../lib/format.js';
import { formValues } from '../../../lib/forms.js';
import { UUID } from '../../../lib/ids.js';
import type { PaidTotalRow, PaymentSearch } from '../../../repositories/payments-agents.repository.js';
import type {
  Payment,
  PaymentEventChannel,
  PaymentEventOutcome,
  PaymentMethod,
  PaymentProviderName,
  PaymentStatus,
} from '../../../repositories/payments.repository.js';
import { amountCell, textCell } from '../../billing/export-csv.js';

/**
 * The words and figures of the agents' payments pages (/agents/facturation/paiements…): what
 * the filters mean, how a payment's channel and status read, the totals of money received by
 * day and by channel, and the CSV of a list. No HTTP here.
 */

export const METHOD_LABELS: Record<PaymentMethod, string> = {
  card: 'Carte bancaire',
  cash: 'Espèces',
  cheque: 'Chèque',
  cesu: 'CESU',
  direct_debit: 'Prélèvement',
};

export const STATUS_LABELS: Record<PaymentStatus, string> = {
  created: 'Créé',
  pending: 'En attente',
  paid: 'Payé',
  refused: 'Refusé',
  abandoned: 'Abandonné',
  failed: 'Échec',
};

/** How the money came, in the order the filter and the totals list them. */
export const CHANNELS: readonly { value: string; label: string; providers: PaymentProviderName[]; method?: PaymentMethod }[] = [
  { value: 'en-ligne', label: 'En ligne (démonstration et PayFiP)', providers: ['builtin', 'payfip'] },
  { value: 'demonstration', label: 'En ligne – banque de démonstration', providers: ['builtin'] },
  { value: 'payfip', label: 'En ligne – PayFiP', providers: ['payfip'] },
  { value: 'guichet', label: 'Guichet (tous moyens)', providers: ['counter'] },
  { value: 'especes', label: 'Guichet – espèces', providers: ['counter'], method: 'cash' },
  { value: 'cheque', label: 'Guichet – chèque', providers: ['counter'], method: 'cheque' },
  { value: 'cesu', label: 'Guichet – CESU', providers: ['counter'], method: 'cesu' },
  { value: 'carte', label: 'Guichet – carte bancaire', providers: ['counter'], method: 'card' },
  { value: 'prelevement', label: 'Prélèvement', providers: ['direct_debit'] },
];

export const STATUS_FILTERS: readonly { value: string; label: string; statuses: PaymentStatus[] }[] = [
  { value: 'paye', label: 'Payé', statuses: ['paid'] },
  { value: 'en-attente', label: 'En attente (créé ou chez le prestataire)', statuses: ['created', 'pending'] },
  { value: 'refuse', label: 'Refusé', statuses: ['refused'] },
  { value: 'abandonne', label: 'Abandonné', statuses: ['abandoned'] },
  { value: 'echec', label: 'Échec', statuses: ['failed'] },
];

/** "En ligne – PayFiP", "Guichet – chèque", "Prélèvement": one payment's channel. */
export function channelLabel(p: Pick<Payment, 'provider' | 'method'>): string {
  if (p.provider === 'builtin') return 'En ligne – banque de démonstration';
  if (p.provider === 'payfip') return 'En ligne – PayFiP';
  if (p.provider === 'direct_debit') return 'Prélèvement';
  return `Guichet – ${METHOD_LABELS[p.method].toLowerCase().replace('cesu', 'CESU')}`;
}

/** The longest period one list shows: a year and a day (a leap year's whole year). */
export const MAX_PERIOD_DAYS = 366;
export const PAYMENTS_PAGE_SIZE = 25;

export interface PaymentFilters {
  /** Paris days, both included. */
  from: string;
  to: string;
  channel: string;
  status: string;
  familyId: string;
  page: number;
  csv: boolean;
}

/**
 * The list's filters from the query string; a view query does not fail: a day that cannot be
 * read is the default (today and the 7 days before), an unknown channel or status is "all", a
 * period backwards is turned round, and one longer than a year is cut to its last year.
 */
export function parsePaymentFilters(query: unknown, today: string): PaymentFilters {
  const raw = formValues(query);
  const get = (k: string) => (raw[k] ?? '').trim();
  let to = parseFrenchDate(get('au')) ?? today;
  let from = parseFrenchDate(get('du')) ?? addDays(to, -7);
  if (from > to) [from, to] = [to, from];
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) from = addDays(to, -MAX_PERIOD_DAYS);
  const pageNumber = Number(get('page') || '1');
  return {
    from,
    to,
    channel: CHANNELS.some((c) => c.value === get('canal')) ? get('canal') : '',
    status: STATUS_FILTERS.some((s) => s.value === get('statut')) ? get('statut') : '',
    familyId: UUID.test(get('famille')) ? get('famille').toLowerCase() : '',
    page: Number.isInteger(pageNumber) && pageNumber >= 1 && pageNumber <= 10_000 ? pageNumber : 1,
    csv: get('format') === 'csv',
  };
}

/** The repository's search for these filters; `bounds` gives the instants of the Paris days. */
export function paymentSearch(f: PaymentFilters, bounds: (day: string) => Date): PaymentSearch {
  const channel = CHANNELS.find((c) => c.value === f.channel);
  const status = STATUS_FILTERS.find((s) => s.value === f.status);
  return {
    from: bounds(f.from),
    to: bounds(addDays(f.to, 1)),
    ...(channel ? { providers: channel.providers, ...(channel.method ? { method: channel.method } : {}) } : {}),
    ...(status ? { statuses: status.statuses } : {}),
    ...(f.familyId ? { familyId: f.familyId } : {}),
  };
}

export interface Total {
  label: string;
  count: number;
  amountCents: number;
}

/** Money received: by day (newest first), by channel (in CHANNELS' order), and in all. */
export function summarizeTotals(rows: readonly PaidTotalRow[]): { byDay: (Total & { day: string })[]; byChannel: Total[]; all: Total } {
  const byDay = new Map<string, Total & { day: string }>();
  const byChannel = new Map<string, Total>();
  const all: Total = { label: 'Total', count: 0, amountCents: 0 };
  for (const r of rows) {
    const add = (t: Total) => {
      t.count += r.count;
      t.amountCents += r.amountCents;
    };
    const label = channelLabel(r);
    if (!byDay.has(r.day)) byDay.set(r.day, { day: r.day, label: formatDate(r.day), count: 0, amountCents: 0 });
    if (!byChannel.has(label)) byChannel.set(label, { label, count: 0, amountCents: 0 });
    add(byDay.get(r.day)!);
    add(byChannel.get(label)!);
    add(all);
  }
  const order = (label: string) => {
    const i = CHANNELS.findIndex((c) => c.label === label);
    return i === -1 ? CHANNELS.length : i;
  };
  return {
    byDay: [...byDay.values()].sort((a, b) => (a.day < b.day ? 1 : -1)),
    byChannel: [...byChannel.values()].sort((a, b) => order(a.label) - order(b.label)),
    all,
  };
}

/** A pending payment's age in words ("45 min", "3 h 05"), and whether it is past the hour a provider normally takes. */
export function pendingAge(createdAt: Date, now: Date): { label: string; late: boolean } {
  const minutes = Math.max(0, Math.floor((now.getTime() - createdAt.getTime()) / 60_000));
  const label = minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
  return { label, late: minutes >= 60 };
}

const CSV_HEADER = [
  'Date',
  'Heure',
  'Famille',
  'Canal',
  'État',
  'Montant (€)',
  'Factures',
  'Référence',
  'Opération du prestataire',
  'Note',
];

/** The list as the régisseur opens it in a spreadsheet (the conventions of the accounting export). */
export function paymentsCsv(rows: readonly (Payment & { familyName: string; invoices: { number: string; applied: boolean }[] })[]): string {
  const lines: string[][] = [CSV_HEADER.map(textCell)];
  for (const p of rows) {
    const at = p.paidAt ?? p.settledAt ?? p.createdAt;
    const [y, m, d] = parisDay(at).split('-');
    lines.push([
      `${d}/${m}/${y}`,
      formatTime(at),
      textCell(p.familyName),
      textCell(channelLabel(p)),
      textCell(STATUS_LABELS[p.status]),
      amountCell(p.amountCents),
      textCell(p.invoices.map((i) => (i.applied || p.status !== 'paid' ? i.number : `${i.number} (déjà payée)`)).join(', ')),
      textCell(p.reference),
      textCell(p.providerPaymentId ?? ''),
      textCell(p.note ?? ''),
    ]);
  }
  return `\ufeff${lines.map((l) => l.join(';')).join('\r\n')}\r\n`;
}

/** Where a line of a payment's trail came from. */
export const EVENT_CHANNEL_LABELS: Record<PaymentEventChannel, string> = {
  notification: 'Notification du prestataire',
  return: 'Retour de la famille sur le portail',
  check: 'Vérification programmée auprès du prestataire',
  agent: 'Agent',
};

/**
 * A 'replay' the reconciliation lists (listAlertEvents): the provider says paid a payment the
 * portal had already closed. Not a harmless repetition: the provider has the money.
 */
export const LATE_PAID_LABEL = 'Payé chez le prestataire après la clôture du paiement : à vérifier';

/** What came of it. */
export const EVENT_OUTCOME_LABELS: Record<PaymentEventOutcome, string> = {
  applied: 'Pris en compte',
  replay: 'Déjà pris en compte (répétition)',
  forged: 'Falsifié : signature invalide, rien n’a changé',
  mismatch: 'Incohérent : montant, référence ou client différent, rien n’a changé',
  unknown: 'Paiement inconnu de la commune',
  waiting: 'Pas encore de résultat chez le prestataire',
  error: 'Le prestataire n’a pas pu être interrogé',
};

/** A status a provider announced in a payment's trail ('waiting' is the provider's own word). */
export function announcedStatusLabel(status: string | null): string {
  if (!status) return '–';
  if (status === 'waiting') return 'En attente';
  return (STATUS_LABELS as Record<string, string>)[status] ?? status;
}

/**
 * Where a notification came from: the built-in bank calls the portal from inside it and is named,
 * anything else came over the network from this address.
 */
export function eventSourceLabel(remoteAddress: string): string {
  return remoteAddress === 'banque-de-demonstration' ? 'Envoyée par la banque de démonstration' : `Adresse IP ${remoteAddress}`;
}

/** The provider's account of a payment (providerDetails), under the words a régisseur knows. */
const DETAIL_LABELS: Record<string, string> = {
  bank: 'Banque',
  signedAt: 'Notification signée',
  decidedAt: 'Décision de la banque',
  idOp: 'Identifiant de l’opération (idOp)',
  resultrans: 'Résultat PayFiP (resultrans)',
  numauto: 'Numéro d’autorisation',
  dattrans: 'Date de la transaction (PayFiP)',
  heurtrans: 'Heure de la transaction (PayFiP)',
  montant: 'Montant annoncé par PayFiP',
  refdet: 'Référence de la dette (refdet)',
  numcli: 'Numéro client PayFiP',
  exer: 'Exercice',
  saisie: 'Mode de saisie (PayFiP)',
  messageId: 'Fichier de prélèvements',
  collectionDate: 'Date de prélèvement',
  rejectCode: 'Code du rejet de la banque',
  startError: 'Erreur au démarrage',
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** One line per detail: a French label (the key itself when unknown), dates and PayFiP's cents as the pages show them. */
export function providerDetailRows(details: Record<string, string>): { label: string; value: string }[] {
  return Object.entries(details).map(([key, raw]) => {
    const value = String(raw);
    let shown = value;
    if (ISO_INSTANT.test(value)) shown = formatDateTime(new Date(value));
    else if (ISO_DAY.test(value)) shown = formatLongDate(value);
    else if (key === 'montant' && /^[0-9]{1,12}$/.test(value)) shown = formatEuros(Number(value));
    return { label: DETAIL_LABELS[key] ?? key, value: shown };
  });
}
