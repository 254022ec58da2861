import { lockForTransaction, withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import { de, personName } from '../../lib/french.js';
import type { FieldError } from '../../lib/forms.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as activities from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import type { Campaign } from '../../repositories/renewal.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { copyStoredFiles, findForOwner, type ListedDocument } from '../documents/documents.service.js';
import type { RenewalPayload } from '../requests/request-types.js';
import { createRequest } from '../requests/requests.service.js';
import { kindLabel } from './pieces.js';
import type { RenewalChoice } from './renewal-form.js';
import { renewalStatusOf } from './renewal-status.js';

/**
 * The family's side of the renewal (issue 16, ADR 0020): the only renewal code that reads the
 * private storage, to copy the stored pieces onto the request (renewal.service.ts, which the
 * agents' pages call, does not).
 */

export type SendResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

/**
 * The stored documents' files copied for a request (the renewal's, the school pre-enrolment's),
 * once their count with the uploads is within the attachments' limit; otherwise its French error.
 */
export async function copyPieces(
  ctx: ServiceContext,
  parent: Account,
  uploads: readonly CheckedFile[],
  documents: ListedDocument[],
): Promise<{ ok: true; copies: CheckedFile[] } | { ok: false; errors: FieldError[] }> {
  const fileCount = uploads.length + documents.reduce((n, d) => n + d.files.length, 0);
  if (fileCount > DOCUMENT_MAX_FILES) {
    return {
      ok: false,
      errors: [
        { field: 'fichiers', message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount}` },
      ],
    };
  }
  return { ok: true, copies: await copyStoredFiles(ctx, parent, documents) };
}

/**
 * Sends a child's renewal: the stored pieces are checked again as the parent's own and valid,
 * copied onto the request (the agents read the request's copy, never the storage) with the
 * uploads; the request and its submission are made in one transaction, under a lock on the
 * child and campaign so that a double click sends one renewal.
 */
export async function sendRenewal(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  campaign: Campaign,
  child: { id: string; firstNames: string; lastName: string },
  choice: RenewalChoice,
  uploads: CheckedFile[],
): Promise<SendResult> {
  const stored: { kind: string; doc: ListedDocument }[] = [];
  for (const piece of choice.pieces) {
    if (!piece.documentId) continue;
    const doc = await findForOwner(ctx, parent, piece.documentId);
    if (!doc || doc.kind !== piece.kind || doc.validity.kind === 'expired') {
      const field = `piece-${piece.kind}`;
      return {
        ok: false,
        errors: [{ field, message: "Ce document n'est plus valable dans votre espace de stockage : choisissez parmi la liste" }],
      };
    }
    stored.push({ kind: piece.kind, doc });
  }
  const copied = await copyPieces(
    ctx,
    parent,
    uploads,
    stored.map((s) => s.doc),
  );
  if (!copied.ok) return copied;
  const copies = copied.copies;
  const names = await activities.listActivities(ctx.pool, town.id);
  const childName = personName(child.firstNames, child.lastName);
  const payload: RenewalPayload = {
    campaignId: campaign.id,
    campaignTitle: campaign.title,
    childName,
    confirmedAt: ctx.clock.now().toISOString(),
    pieces: choice.pieces.map((p) => {
      const s = stored.find((x) => x.kind === p.kind);
      return `${kindLabel(p.kind)} : ${s ? `${s.doc.title} (espace de stockage)` : `fichier joint (${uploads.map((u) => u.name).join(', ')})`}`;
    }),
    activities: choice.activityIds.map((id) => ({ id, name: names.find((a) => a.id === id)?.name ?? '' })),
  };
  return withTransaction(ctx.pool, async (db) => {
    await lockForTransaction(db, `renewal:${campaign.id}:${child.id}`);
    const [current] = (await repo.listCampaignChildren(db, town.id, campaign.id, parent.familyId)).filter((c) => c.childId === child.id);
    if (!current)
      return { ok: false, errors: [{ field: 'confirme', message: "Cet enfant n'est plus dans votre dossier famille" }] } as const;
    if (renewalStatusOf(current.requestStatus) !== 'todo') {
      return {
        ok: false,
        errors: [{ field: 'confirme', message: `Le renouvellement ${de(child.firstNames)} a déjà été envoyé` }],
      } as const;
    }
    const files = [...uploads, ...copies];
    const request = await createRequest(db, ctx, town, parent, {
      type: 'renewal',
      childId: child.id,
      summary: `Renouvellement du dossier ${de(childName)} (${campaign.title})`,
      payload: payload as unknown as Record<string, unknown>,
      message: files.length > 0 ? `Pièces du renouvellement : ${payload.pieces.join(' ; ')}.` : undefined,
      files,
    });
    await repo.insertSubmission(db, {
      townId: town.id,
      campaignId: campaign.id,
      familyId: parent.familyId,
      childId: child.id,
      requestId: request.id,
      activityIds: choice.activityIds,
      now: ctx.clock.now(),
    });
    return { ok: true, requestId: request.id } as const;
  });
}
