import type { Queryable } from '../db/pool.js';

/**
 * The verification codes of the documents families produce themselves ("Édition de
 * documents", issue 14): what the public page may show of each, and nothing more. See
 * migrations/0016_document_verifications.sql.
 */

export type VerifiedKind = 'attestation_fiscale' | 'attestation_paiement';

/** Amounts in cents and days as 'YYYY-MM-DD': no name, no address. */
export type VerificationDetails =
  | { kind: 'attestation_fiscale'; year: number; childrenCents: number[]; totalCents: number }
  | { kind: 'attestation_paiement'; from: string; to: string; payments: { paidOn: string; amountCents: number }[]; totalCents: number };

export interface DocumentVerification {
  code: string;
  kind: VerifiedKind;
  issuedAt: Date;
  details: VerificationDetails;
}

export async function insertVerification(
  db: Queryable,
  v: { townId: string; familyId: string; code: string; issuedAt: Date; details: VerificationDetails },
): Promise<void> {
  await db.query(
    `insert into document_verifications (town_id, family_id, code, kind, issued_at, details) values ($1, $2, $3, $4, $5, $6)`,
    [v.townId, v.familyId, v.code, v.details.kind, v.issuedAt, v.details],
  );
}

/** A code of this town only: another town's code is not found. */
export async function findVerification(db: Queryable, townId: string, code: string): Promise<DocumentVerification | undefined> {
  const { rows } = await db.query<DocumentVerification>(
    `select code, kind, issued_at as "issuedAt", details from document_verifications where town_id = $1 and code = $2`,
    [townId, code],
  );
  return rows[0];
}
