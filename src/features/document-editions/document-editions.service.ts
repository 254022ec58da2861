import { TooManyRequestsError } from '../../lib/errors.js';
import { hit } from '../../lib/rate-limit.js';
import * as verifications from '../../repositories/document-verifications.repository.js';
import type { DocumentVerification, VerificationDetails } from '../../repositories/document-verifications.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { TaxAttestation, PaymentRow } from '../billing/attestations.js';
import { familyPaymentAttestation, familyTaxAttestation } from '../billing/billing.service.js';
import type { Viewer } from '../invoices/invoices.service.js';
import { newVerificationCode, readCode } from './verification-code.js';
import type { ServiceContext } from '../../deps.js';

/**
 * "Édition de documents" (issue 14): the attestations a family produces itself, each
 * recorded with a verification code — what a third party may check on the public page is
 * what the row keeps: the kind, the dates and the amounts, never a name.
 */

/** A family prints a few attestations a year; past these per account and hour, 429. */
export const DOCUMENTS_PER_HOUR = 30;
/** The public page, per address: enough for an employer checking a pile, too few to guess a code. */
export const VERIFICATIONS_PER_WINDOW = 20;
export const VERIFICATION_WINDOW_SECONDS = 600;

export interface Issued<T> {
  data: T;
  code: string;
  issuedAt: Date;
}

async function record(
  ctx: ServiceContext,
  town: Town,
  viewer: Viewer,
  details: VerificationDetails,
): Promise<{ code: string; issuedAt: Date }> {
  const limit = await hit(ctx.pool, ctx.clock, `documents:${viewer.accountId}`, DOCUMENTS_PER_HOUR, 3600);
  if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
  const code = newVerificationCode();
  const issuedAt = ctx.clock.now();
  await verifications.insertVerification(ctx.pool, { townId: town.id, familyId: viewer.familyId, code, issuedAt, details });
  return { code, issuedAt };
}

export async function issueTaxAttestation(ctx: ServiceContext, town: Town, viewer: Viewer, year: number): Promise<Issued<TaxAttestation>> {
  const data = await familyTaxAttestation(ctx, town.id, viewer, year);
  const { code, issuedAt } = await record(ctx, town, viewer, {
    kind: 'attestation_fiscale',
    year,
    childrenCents: data.children.map((c) => c.cents),
    totalCents: data.totalCents,
  });
  return { data, code, issuedAt };
}

export async function issuePaymentAttestation(
  ctx: ServiceContext,
  town: Town,
  viewer: Viewer,
  period: { from: string; to: string },
): Promise<Issued<{ payments: PaymentRow[]; totalCents: number; from: string; to: string }>> {
  const paid = await familyPaymentAttestation(ctx, town.id, viewer, period);
  const { code, issuedAt } = await record(ctx, town, viewer, {
    kind: 'attestation_paiement',
    from: period.from,
    to: period.to,
    payments: paid.payments.map((p) => ({ paidOn: p.paidOn, amountCents: p.amountCents })),
    totalCents: paid.totalCents,
  });
  return { data: { ...paid, ...period }, code, issuedAt };
}

/** Counts a look-up of the public page; past the limit, 429. */
export async function countVerification(ctx: ServiceContext, who: string): Promise<void> {
  const limit = await hit(ctx.pool, ctx.clock, `verify-document:${who}`, VERIFICATIONS_PER_WINDOW, VERIFICATION_WINDOW_SECONDS);
  if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
}

/** The town's document with this code (as typed), or undefined. */
export async function findDocument(ctx: ServiceContext, town: Town, typed: string): Promise<DocumentVerification | undefined> {
  const code = readCode(typed);
  return code ? verifications.findVerification(ctx.pool, town.id, code) : undefined;
}
