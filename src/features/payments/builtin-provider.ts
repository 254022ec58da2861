import crypto from 'node:crypto';
import type { Config } from '../../config.js';
import type { ServiceContext } from '../../deps.js';
import * as bank from '../../repositories/builtin-bank.repository.js';
import { findTownBySlug } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import type { Identified, IncomingCall, PaymentProvider, PaymentToStart, ProviderResult, StartResult } from './provider.js';

/**
 * The built-in demonstration bank (ADR 0017): a provider that runs inside the app for
 * development and tests. Its page (/:town/banque-de-demonstration/:paymentId) stands in for
 * the bank's; its notification is signed with HMAC-SHA256 under a key derived from the
 * session secret (HKDF), so it is verified exactly like a real provider's, and the key is
 * never stored anywhere. Its books are its own table (builtin_bank_operations): the portal's
 * payments and invoices are changed by the payments service only.
 */

/** A signed notification older than this is refused (a copied body cannot be replayed for ever). */
export const NOTIFICATION_MAX_AGE_MS = 60 * 60 * 1000;
/** The bank's page expires like a real one: past this, an operation nobody decided is abandoned. */
export const BANK_PAGE_LIFETIME_MS = 15 * 60 * 1000;

const STATUSES = new Set(['paid', 'refused', 'abandoned']);

/** A key of its own for the bank's signatures, derived from the session secret: it is never a cookie or CSRF key. */
export function bankKey(config: Pick<Config, 'sessionSecret'>): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', config.sessionSecret, 'espace-famille', 'builtin-bank-notification/v1', 32));
}

export interface BankNotification {
  operation: string;
  payment: string;
  status: 'paid' | 'refused' | 'abandoned';
  amount: number;
  reference: string;
  /** Milliseconds since the epoch, when the bank signed it. */
  timestamp: number;
}

function canonical(n: BankNotification): string {
  return ['v1', n.operation, n.payment, n.status, String(n.amount), n.reference, String(n.timestamp)].join('|');
}

/** The form body the bank posts to the portal's notification URL. */
export function signBankNotification(config: Pick<Config, 'sessionSecret'>, n: BankNotification): Record<string, string> {
  const signature = crypto.createHmac('sha256', bankKey(config)).update(canonical(n)).digest('hex');
  return {
    operation: n.operation,
    payment: n.payment,
    status: n.status,
    amount: String(n.amount),
    reference: n.reference,
    timestamp: String(n.timestamp),
    signature,
  };
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

export class BuiltinProvider implements PaymentProvider {
  readonly name = 'builtin' as const;

  constructor(private readonly ctx: ServiceContext) {}

  async start(payment: PaymentToStart): Promise<StartResult> {
    const operation = `BANK-${crypto.randomUUID()}`;
    // The bank lives on this host: it sends the browser back by path, whatever address the app is reached at.
    const returnUrl = new URL(payment.returnUrl);
    await bank.insertBankOperation(this.ctx.pool, {
      id: operation,
      townId: await this.townId(payment.townSlug),
      paymentId: payment.paymentId,
      reference: payment.reference,
      amountCents: payment.amountCents,
      label: payment.label.slice(0, 300),
      returnPath: returnUrl.pathname + returnUrl.search,
      at: this.ctx.clock.now(),
    });
    return { ok: true, providerPaymentId: operation, redirectUrl: urls.builtinBank(payment.townSlug, payment.paymentId) };
  }

  private async townId(slug: string): Promise<string> {
    const town = await findTownBySlug(this.ctx.pool, slug);
    if (!town) throw new Error(`built-in bank: no town ${slug}`);
    return town.id;
  }

  identify(call: IncomingCall): Identified {
    const body = call.body;
    const sent = {
      operation: field(body, 'operation'),
      payment: field(body, 'payment'),
      status: field(body, 'status'),
      amount: field(body, 'amount'),
      reference: field(body, 'reference'),
      timestamp: field(body, 'timestamp'),
      signature: field(body, 'signature'),
    };
    if (Object.values(sent).some((v) => v === undefined) || !/^[0-9]{1,15}$/.test(sent.amount!) || !/^[0-9]{1,15}$/.test(sent.timestamp!)) {
      return { ok: false, reason: 'malformed', detail: 'notification incomplète' };
    }
    if (!STATUSES.has(sent.status!)) return { ok: false, reason: 'malformed', detail: `statut inconnu ${sent.status}` };
    const n: BankNotification = {
      operation: sent.operation!,
      payment: sent.payment!,
      status: sent.status as BankNotification['status'],
      amount: Number(sent.amount),
      reference: sent.reference!,
      timestamp: Number(sent.timestamp),
    };
    const expected = Buffer.from(signBankNotification(this.ctx.config, n).signature!, 'hex');
    const given = /^[0-9a-f]{64}$/.test(sent.signature!) ? Buffer.from(sent.signature!, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'forged', detail: `signature invalide (opération ${n.operation})` };
    }
    const age = this.ctx.clock.now().getTime() - n.timestamp;
    // A little clock drift is tolerated ahead; an old one is a copy being replayed.
    if (age > NOTIFICATION_MAX_AGE_MS || age < -5 * 60 * 1000) {
      return { ok: false, reason: 'forged', detail: `signature périmée (opération ${n.operation})` };
    }
    return {
      ok: true,
      providerPaymentId: n.operation,
      result: {
        status: n.status,
        providerPaymentId: n.operation,
        reference: n.reference,
        amountCents: n.amount,
        details: { bank: 'Banque de démonstration', signedAt: new Date(n.timestamp).toISOString() },
      },
    };
  }

  async fetchStatus(payment: { providerPaymentId: string; payfipNumcli: string | null; createdAt: Date }): Promise<ProviderResult> {
    const found = await bank.findBankOperation(this.ctx.pool, payment.providerPaymentId);
    if (!found) throw new Error(`built-in bank: unknown operation ${payment.providerPaymentId}`);
    const now = this.ctx.clock.now();
    const expired = now.getTime() - found.createdAt.getTime() > BANK_PAGE_LIFETIME_MS;
    // An expired operation is closed in the bank's books before it is reported abandoned, as a
    // real bank's would be: a click on "Payer" racing this check then finds it decided (the
    // decision is written once), instead of taking money for a payment the portal closes now.
    const operation =
      !found.decision && expired
        ? ((await bank.decideBankOperation(this.ctx.pool, found.townId, found.id, 'abandoned', now)).operation ?? found)
        : found;
    const status = operation.decision ?? 'waiting';
    return {
      status,
      providerPaymentId: operation.id,
      reference: operation.reference,
      amountCents: operation.amountCents,
      details: { bank: 'Banque de démonstration', ...(operation.decidedAt ? { decidedAt: operation.decidedAt.toISOString() } : {}) },
    };
  }
}
