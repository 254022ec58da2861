import { withTransaction } from '../../db/pool.js';
import { formatDate, parisDay } from '../../lib/calendar/index.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import type { FieldError } from '../../lib/forms.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { listQuotientHistory } from '../../repositories/billing-tariffs.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { ServiceContext } from '../../deps.js';
import { inForceOn } from '../billing/pricing.js';
import { copyStoredFiles, findForOwner, type ListedDocument } from '../documents/documents.service.js';
import type { QuotientDeclarationPayload } from '../requests/request-types.js';
import { createRequest } from '../requests/requests.service.js';
import type { Declaration } from './quotient.schemas.js';

/**
 * The parent's QF declaration (issue 14): a request of type 'quotient_declaration' whose
 * first message carries the attestation — uploaded, or copied from the parent's private
 * storage, as an absence's justificatif is (absences.service.ts): the agents read the
 * request's copy, never the storage. An agent's acceptance records the QF
 * (quotient-requests.ts).
 */

/** The first message when the files speak for themselves. */
export const DECLARATION_MESSAGE = 'Attestation de quotient familial jointe.';

export type DeclareResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

/**
 * Checks that each stored document is the parent's own (another account's id reads as "no
 * longer in your storage") and that 1 to 4 files come in all, then makes the request with
 * the uploads and copies of the stored files in one transaction.
 */
export async function declareQuotient(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  input: Declaration & { uploads: CheckedFile[]; storageShown: boolean },
): Promise<DeclareResult> {
  const stored: ListedDocument[] = [];
  for (const id of input.storedDocumentIds) {
    const doc = await findForOwner(ctx, parent, id);
    if (!doc) {
      return {
        ok: false,
        errors: [
          {
            field: input.storageShown ? 'stockage' : 'fichiers',
            message: "Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste",
          },
        ],
      };
    }
    stored.push(doc);
  }
  const fileCount = input.uploads.length + stored.reduce((n, d) => n + d.files.length, 0);
  if (fileCount > DOCUMENT_MAX_FILES) {
    return {
      ok: false,
      errors: [
        { field: 'fichiers', message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount}` },
      ],
    };
  }
  if (fileCount === 0) {
    return { ok: false, errors: [{ field: 'fichiers', message: 'Le document choisi ne contient aucun fichier : ajoutez l’attestation' }] };
  }
  const copies = await copyStoredFiles(ctx, parent, stored);
  const history = await listQuotientHistory(ctx.pool, town.id, parent.familyId);
  const previous = inForceOn(history, parisDay(ctx.clock.now()));
  const payload: QuotientDeclarationPayload = {
    previous: previous ? { qf: previous.qf, effectiveFrom: previous.effectiveFrom } : null,
    qf: input.qf,
    effectiveFrom: input.effectiveFrom,
    files: [...input.uploads.map((f) => `${f.name} (fichier ajouté)`), ...stored.map((d) => `${d.title} (espace de stockage)`)],
  };
  const requestId = await withTransaction(ctx.pool, async (db) => {
    const request = await createRequest(db, ctx, town, parent, {
      type: 'quotient_declaration',
      summary: `Quotient familial de ${input.qf.toLocaleString('fr-FR')} € à partir du ${formatDate(input.effectiveFrom)}`,
      payload: payload as unknown as Record<string, unknown>,
      message: DECLARATION_MESSAGE,
      files: [...input.uploads, ...copies],
    });
    return request.id;
  });
  return { ok: true, requestId };
}
