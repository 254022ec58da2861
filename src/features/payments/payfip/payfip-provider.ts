import type { Config } from '../../../config.js';
import { systemClock, type Clock } from '../../../lib/clock.js';
import type {
  Identified,
  IncomingCall,
  PaymentProvider,
  PaymentToStart,
  ProviderResult,
  ProviderStatus,
  StartResult,
} from '../provider.js';
import { callPayfip, PayfipError } from './payfip-soap.js';

/**
 * PayFiP, the DGFiP's card and single-debit payment service for public bodies, through its
 * régie web service (docs/paiement-en-ligne.md). Nothing PayFiP sends to the portal is
 * signed: a notification only names an operation (idOp), and what happened is always asked
 * of the web service itself (`fetchStatus`). The provider holds no secret — the régie's
 * client number (numcli) is an identifier, the mode a setting — and touches no database.
 */

/** `saisie`: T test (nothing is taken), X activation (the DGFiP's validation run), W production. */
export type PayfipMode = 'T' | 'X' | 'W';
export const PAYFIP_MODES: readonly PayfipMode[] = ['T', 'X', 'W'];

export interface PayfipProviderOptions {
  /** The web service's endpoint (PAYFIP_WS_URL). */
  wsUrl: string;
  /** The payment page the browser is sent to, `?idop=` added (PAYFIP_PAYMENT_URL). */
  paymentUrl: string;
  clock?: Clock;
  /** How long one call may take (eopayment waits 15 s). */
  timeoutMs?: number;
  mode: PayfipMode;
}

export const PAYFIP_TIMEOUT_MS = 15_000;
/**
 * An idOp is valid 15 minutes; until it is paid PayFiP answers P5. Past 20 minutes (a
 * margin over the 15, as eopayment) a P5 or an abandon 'A' is final: the family left.
 */
export const PAYFIP_EXPIRY_MS = 20 * 60 * 1000;
/** PayFiP's own limits (eopayment): 1 € to 100 000 €, in cents. */
export const PAYFIP_MIN_CENTS = 100;
export const PAYFIP_MAX_CENTS = 10_000_000;

export const REFDET_RE = /^[A-Za-z0-9]{1,30}$/;
export const NUMCLI_RE = /^[0-9]{6}$/;
/** What we accept as an idOp from a notification (PayFiP's are UUIDs). */
const IDOP_RE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * PayFiP's `objet`: letters, digits and spaces only, at most 100 characters (as eopayment's
 * normalize_objet): accents folded, apostrophes and hyphens turned to spaces, anything else
 * dropped, spaces squeezed. "Factures ENF-2026-000012, l'été" → "Factures ENF 2026 000012 l ete".
 */
export function normalizeObjet(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[Œœ]/g, (c) => (c === 'Œ' ? 'OE' : 'oe'))
    .replace(/[Ææ]/g, (c) => (c === 'Æ' ? 'AE' : 'ae'))
    .replace(/['’\u2010-\u2015-]/g, ' ')
    .replace(/[^A-Za-z0-9 \s]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100)
    .trim();
}

/** The French a parent reads when PayFiP cannot start the payment; nothing was taken. */
const START_FAILURE =
  'Le service de paiement en ligne de la DGFiP (PayFiP) n’a pas pu ouvrir le paiement. Aucune somme n’a été prélevée : réessayez dans quelques minutes.';
const NOT_AVAILABLE =
  'Le paiement en ligne n’est pas disponible pour ces factures. Aucune somme n’a été prélevée : réglez-les au guichet de la mairie.';

function check(payment: PaymentToStart): { ok: true } | { ok: false; failure: string; detail: string } {
  const refuse = (detail: string, failure = NOT_AVAILABLE) => ({ ok: false as const, failure, detail });
  if (!payment.payfipNumcli || !NUMCLI_RE.test(payment.payfipNumcli)) return refuse('the régie has no PayFiP numcli (6 digits)');
  if (!REFDET_RE.test(payment.reference)) return refuse(`refdet "${payment.reference}" is not 1 to 30 letters and digits`);
  if (!Number.isSafeInteger(payment.amountCents) || payment.amountCents < PAYFIP_MIN_CENTS || payment.amountCents > PAYFIP_MAX_CENTS)
    return refuse(
      `montant ${payment.amountCents} cents is outside PayFiP's 1 € to 100 000 €`,
      'Le paiement en ligne accepte les montants de 1 € à 100 000 €. Aucune somme n’a été prélevée : réglez ces factures au guichet de la mairie.',
    );
  if (!payment.email.includes('@') || payment.email.length < 6 || payment.email.length > 80)
    return refuse(
      'mel must contain @ and be 6 to 80 characters',
      'Votre adresse électronique ne convient pas au paiement en ligne de la DGFiP (6 à 80 caractères). Aucune somme n’a été prélevée.',
    );
  if (!Number.isInteger(payment.year) || payment.year < 1000 || payment.year > 9999)
    return refuse(`exer ${payment.year} is not a 4-digit year`);
  for (const url of [payment.returnUrl, payment.notifyUrl])
    if (!/^https?:\/\/[^\s]+$/.test(url)) return refuse(`"${url}" is not an absolute URL`);
  return { ok: true };
}

function mapResult(resultrans: string): ProviderStatus | undefined {
  switch (resultrans) {
    case 'P': // paid by card
    case 'V': // paid by single direct debit
      return 'paid';
    case 'R': // card refused
    case 'Z': // direct debit refused
      return 'refused';
    case 'A':
      return 'abandoned';
    default:
      return undefined;
  }
}

/** The fields of PayFiP's answer kept for the régisseur's reconciliation (not the family's address). */
const KEPT = ['idOp', 'resultrans', 'numauto', 'dattrans', 'heurtrans', 'montant', 'refdet', 'numcli', 'exer', 'saisie'] as const;

/** Reads PayFiP's idOp from a notification or a return: `idop` or `idOp`, in the query or a form body. */
export function readIdOp(call: IncomingCall): Identified {
  const seen = new Set<string>();
  for (const source of [call.query, call.body]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const key of ['idop', 'idOp']) {
      const value = source[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') return { ok: false, reason: 'malformed', detail: `${key} is not one value` };
      seen.add(value.trim());
    }
  }
  if (seen.size === 0) return { ok: false, reason: 'malformed', detail: 'no idop or idOp in the query or the body' };
  if (seen.size > 1) return { ok: false, reason: 'malformed', detail: 'different idOp values in one call' };
  const idOp = [...seen][0]!;
  if (!IDOP_RE.test(idOp)) return { ok: false, reason: 'malformed', detail: 'idOp is not an operation id' };
  // PayFiP signs nothing: the call only says which operation to ask about.
  return { ok: true, providerPaymentId: idOp, result: null };
}

export function createPayfipProvider(options: PayfipProviderOptions): PaymentProvider {
  const clock = options.clock ?? systemClock;
  const soap = { url: options.wsUrl, timeoutMs: options.timeoutMs ?? PAYFIP_TIMEOUT_MS };

  function redirectUrl(idOp: string): string {
    const url = new URL(options.paymentUrl);
    url.searchParams.set('idop', idOp);
    return url.toString();
  }

  async function start(payment: PaymentToStart): Promise<StartResult> {
    const checked = check(payment);
    if (!checked.ok) return checked;
    const objet = normalizeObjet(payment.label);
    try {
      const answer = await callPayfip(soap, 'creerPaiementSecurise', [
        ['exer', String(payment.year)],
        ['mel', payment.email],
        ['montant', String(payment.amountCents)],
        ['numcli', payment.payfipNumcli!],
        ['objet', objet === '' ? undefined : objet],
        ['refdet', payment.reference],
        ['saisie', options.mode],
        ['urlnotif', payment.notifyUrl],
        ['urlredirect', payment.returnUrl],
      ]);
      const idOp = answer.idOp ?? '';
      if (!IDOP_RE.test(idOp)) return { ok: false, failure: START_FAILURE, detail: 'creerPaiementSecurise answered without an idOp' };
      return { ok: true, providerPaymentId: idOp, redirectUrl: redirectUrl(idOp) };
    } catch (err) {
      if (err instanceof PayfipError) return { ok: false, failure: START_FAILURE, detail: err.message };
      throw err;
    }
  }

  async function fetchStatus(payment: {
    providerPaymentId: string;
    payfipNumcli: string | null;
    createdAt: Date;
  }): Promise<ProviderResult> {
    const young = clock.now().getTime() - payment.createdAt.getTime() < PAYFIP_EXPIRY_MS;
    const none = (status: ProviderStatus, code: string): ProviderResult => ({
      status,
      providerPaymentId: payment.providerPaymentId,
      reference: null,
      amountCents: null,
      details: { idOp: payment.providerPaymentId, code },
    });
    let answer: Record<string, string>;
    try {
      answer = await callPayfip(soap, 'recupererDetailPaiementSecurise', [['idOp', payment.providerPaymentId]]);
    } catch (err) {
      if (err instanceof PayfipError && err.faultType === 'FonctionnelleErreur') {
        // P5: no result yet — the family may still be on the payment page (15 min), or left.
        if (err.code === 'P5') return none(young ? 'waiting' : 'abandoned', 'P5');
        // P1: the idOp is unknown, purged by PayFiP's nightly job: it was never paid.
        if (err.code === 'P1') return none('abandoned', 'P1');
      }
      throw err;
    }
    const resultrans = answer.resultrans ?? '';
    let status = mapResult(resultrans);
    if (!status)
      throw new PayfipError('protocol', `PayFiP answered an unknown resultrans "${resultrans}" for idOp ${payment.providerPaymentId}`);
    // An 'A' while the idOp is still valid may be followed by a payment on the same page.
    if (status === 'abandoned' && young) status = 'waiting';
    const details: Record<string, string> = {};
    for (const key of KEPT) if (answer[key] !== undefined) details[key] = answer[key];
    const montant = answer.montant ?? '';
    return {
      status,
      providerPaymentId: payment.providerPaymentId,
      reference: answer.refdet ?? null,
      amountCents: /^[0-9]{1,12}$/.test(montant) ? Number(montant) : null,
      details,
    };
  }

  return { name: 'payfip', start, identify: readIdOp, fetchStatus };
}

/** The provider at the configured addresses, for a town in `mode` (billing_settings.payfip_mode). */
export function payfipProviderFor(
  config: Pick<Config, 'payfipWsUrl' | 'payfipPaymentUrl'>,
  mode: PayfipMode,
  clock?: Clock,
): PaymentProvider {
  return createPayfipProvider({ wsUrl: config.payfipWsUrl, paymentUrl: config.payfipPaymentUrl, mode, ...(clock ? { clock } : {}) });
}

export type ClientCheck =
  | { ok: true; labels: string[] }
  /** `refused`: PayFiP does not know the number; `unreachable`: no answer, nothing learnt. */
  | { ok: false; reason: 'refused' | 'unreachable'; detail: string };

/**
 * Asks PayFiP whether it knows a régie's client number (recupererDetailClient), as the
 * settings page's "Vérifier le numéro client" does before a town goes live.
 */
export async function checkPayfipClient(options: { wsUrl: string; timeoutMs?: number }, numcli: string): Promise<ClientCheck> {
  try {
    const answer = await callPayfip({ url: options.wsUrl, timeoutMs: options.timeoutMs ?? PAYFIP_TIMEOUT_MS }, 'recupererDetailClient', [
      ['numCli', numcli],
    ]);
    const labels = ['libelleN1', 'libelleN2', 'libelleN3'].map((k) => answer[k] ?? '').filter((l) => l !== '');
    return { ok: true, labels };
  } catch (err) {
    if (!(err instanceof PayfipError)) throw err;
    return {
      ok: false,
      reason: err.kind === 'fault' && err.faultType === 'FonctionnelleErreur' ? 'refused' : 'unreachable',
      detail: err.message,
    };
  }
}
