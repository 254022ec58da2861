import crypto from 'node:crypto';
import type { ServiceContext } from '../../deps.js';
import { withTransaction } from '../../db/pool.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { hit } from '../../lib/rate-limit.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as repo from '../../repositories/direct-debit.repository.js';
import type { Mandate, SepaSettings } from '../../repositories/direct-debit.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { storeDocument } from '../documents/documents.service.js';
import type { MandateForm } from './direct-debit.schemas.js';
import { renderMandatePdf } from './mandate-pdf.js';
import { debitSchedule, maskIban, newRum } from './sepa-rules.js';

/**
 * The parent's side of direct debit (ADR 0018): signing a SEPA mandate online, its PDF copy
 * in the parent's document storage, revoking it, and what the family's invoices say about
 * their debit.
 */

/** At most this many mandates signed per family and per day. */
export const SIGNATURES_PER_DAY = 5;

/** Direct debit is offered when the town enabled it and gave what a mandate must print (ICS, creditor's name). */
export function offered(s: SepaSettings): s is SepaSettings & { creditorId: string; creditorName: string } {
  return s.enabled && !!s.creditorId && !!s.creditorName;
}

export interface MandatePage {
  settings: SepaSettings;
  offered: boolean;
  mandate: Mandate | undefined;
  prefilledAddress: string;
}

export async function mandatePage(ctx: Pick<ServiceContext, 'pool'>, town: Town, account: Account): Promise<MandatePage> {
  const familyId = account.familyId!;
  const [settings, mandate, prefilledAddress] = await Promise.all([
    repo.getSepaSettings(ctx.pool, town.id),
    repo.findActiveMandate(ctx.pool, town.id, familyId),
    repo.familyAddress(ctx.pool, town.id, familyId),
  ]);
  return { settings, offered: offered(settings), mandate, prefilledAddress };
}

export interface SignedMandate {
  mandate: Mandate;
  /** False when the parent's storage had no room left for the PDF copy (the mandate holds anyway). */
  stored: boolean;
  replaced: boolean;
}

/**
 * Signs a mandate for the parent's family: the active one, if any, is revoked in the same
 * transaction (one active mandate per family, `sepa_mandates_active_idx`), and the PDF copy
 * goes to the parent's document storage in it too.
 */
export async function signMandate(ctx: ServiceContext, town: Town, account: Account, form: MandateForm): Promise<SignedMandate> {
  const settings = await repo.getSepaSettings(ctx.pool, town.id);
  if (!offered(settings)) throw new NotFoundError('direct debit not offered');
  // Each signature keeps a mandate row and a PDF: a family changing its account a few times is plenty.
  const limit = await hit(ctx.pool, ctx.clock, `sepa-mandates:${town.id}:${account.familyId}`, SIGNATURES_PER_DAY, 86_400);
  if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
  return withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    const previous = await repo.revokeActiveMandate(db, town.id, account.familyId!, now, account.id);
    const mandate = await repo.insertMandate(db, {
      townId: town.id,
      familyId: account.familyId!,
      accountId: account.id,
      rum: newRum(town.slug),
      creditorId: settings.creditorId,
      debtorName: form.titulaire,
      debtorAddress: form.adresse,
      debtorIban: form.iban,
      debtorBic: form.bic,
      signedPlace: form.lieu,
      signedAt: now,
    });
    const pdf = await renderMandatePdf({ townName: town.name, creditorName: settings.creditorName, mandate, createdAt: now });
    const stored = await storeDocument(
      db,
      ctx.clock,
      account,
      {
        kind: 'autre',
        title: `Mandat de prélèvement SEPA (${settings.creditorName})`,
        number: mandate.rum,
        issuingAuthority: settings.creditorName,
        issuedOn: parisDay(now),
        validUntil: null,
      },
      [
        {
          buffer: pdf,
          mime: 'application/pdf',
          name: `mandat-sepa-${mandate.rum}.pdf`,
          size: pdf.length,
          sha256: crypto.createHash('sha256').update(pdf).digest('hex'),
        },
      ],
    );
    if (stored.ok) await repo.setMandateDocument(db, town.id, mandate.id, stored.documentId);
    return { mandate: { ...mandate, documentId: stored.ok ? stored.documentId : null }, stored: stored.ok, replaced: !!previous };
  });
}

/** The parent revokes the family's mandate: invoices not yet sent to the bank are then paid otherwise. */
export async function revokeMandate(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, account: Account): Promise<boolean> {
  const revoked = await repo.revokeActiveMandate(ctx.pool, town.id, account.familyId!, ctx.clock.now(), account.id);
  return !!revoked;
}

/** The family's active mandate as a PDF; 404 when it has none (another family's is never reachable: the family comes from the session). */
export async function activeMandatePdf(ctx: Pick<ServiceContext, 'pool' | 'clock'>, town: Town, account: Account) {
  const [settings, mandate] = await Promise.all([
    repo.getSepaSettings(ctx.pool, town.id),
    account.familyId ? repo.findActiveMandate(ctx.pool, town.id, account.familyId) : undefined,
  ]);
  if (!mandate) throw new NotFoundError('no mandate');
  const content = await renderMandatePdf({
    townName: town.name,
    creditorName: settings.creditorName ?? town.name,
    mandate,
    createdAt: mandate.signedAt,
  });
  return { mandate, content };
}

export interface DebitNotice {
  /** "avis de prélèvement du …" */
  noticeOn: string;
  /** "Sera prélevée le …" */
  debitOn: string;
  maskedIban: string;
}

/**
 * What each of the family's unpaid invoices says about its debit, by invoice id: only
 * invoices a mandate covers and that wait for their debit (never a rejected one, which the
 * family pays otherwise). Empty when the town does not offer direct debit.
 */
export async function debitNotices(
  ctx: Pick<ServiceContext, 'pool'>,
  townId: string,
  familyId: string | null,
): Promise<Map<string, DebitNotice>> {
  const notices = new Map<string, DebitNotice>();
  if (!familyId) return notices;
  const settings = await repo.getSepaSettings(ctx.pool, townId);
  if (!offered(settings)) return notices;
  for (const c of await repo.listDebitCandidates(ctx.pool, townId, familyId)) {
    const schedule = debitSchedule({
      issuedOn: c.issuedOn,
      dueOn: c.dueOn,
      mandateSignedOn: parisDay(c.mandate.signedAt),
      prenotificationDays: settings.prenotificationDays,
    });
    notices.set(c.invoiceId, { ...schedule, maskedIban: maskIban(c.mandate.debtorIban) });
  }
  return notices;
}
