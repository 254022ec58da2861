import type pg from 'pg';
import { withTransaction, type Queryable } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { parisDay } from '../../lib/calendar/index.js';
import { formatBytes, type CheckedFile } from '../../lib/file-checks.js';
import { hit, type RateLimitResult } from '../../lib/rate-limit.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as repo from '../../repositories/documents.repository.js';
import type { NewDocument, Owner, PrivateDocument, QuotaScope } from '../../repositories/documents.repository.js';
import { kindLabel } from './documents.schemas.js';
import { validityOf, type Validity } from './validity.js';
import type { ServiceContext } from '../../deps.js';

/** At most this many uploads per family (or account without one) and per hour. */
export const UPLOAD_RATE_LIMIT = { count: 20, windowSeconds: 3600 } as const;

/** The storage's owner: the signed-in account, in its town. */
export function ownerOf(account: Pick<Account, 'townId' | 'id'>): Owner {
  return { townId: account.townId, accountId: account.id };
}

/**
 * The quota and the upload rate are counted per family file when the account has one —
 * several accounts of one file cannot multiply the space — else per account.
 */
export function quotaScopeOf(account: Pick<Account, 'townId' | 'id' | 'familyId'>): QuotaScope {
  return account.familyId ? { townId: account.townId, familyId: account.familyId } : { townId: account.townId, accountId: account.id };
}

export function uploadRateLimit(ctx: Pick<ServiceContext, 'pool' | 'clock'>, account: Account): Promise<RateLimitResult> {
  const scope = quotaScopeOf(account);
  return hit(
    ctx.pool,
    ctx.clock,
    `documents-upload:${scope.townId}:${repo.quotaKey(scope)}`,
    UPLOAD_RATE_LIMIT.count,
    UPLOAD_RATE_LIMIT.windowSeconds,
  );
}

export interface Usage {
  usedBytes: number;
  quotaBytes: number;
  /** "12,5 Mo sur 100 Mo" */
  label: string;
  shared: boolean;
}

async function usageOf(db: Queryable, scope: QuotaScope): Promise<Usage> {
  const [usedBytes, quotaBytes] = await Promise.all([repo.usedBytes(db, scope), repo.townDocumentQuota(db, scope.townId)]);
  return { usedBytes, quotaBytes, label: `${formatBytes(usedBytes)} sur ${formatBytes(quotaBytes)}`, shared: 'familyId' in scope };
}

export interface ListedDocument extends PrivateDocument {
  kindLabel: string;
  validity: Validity;
}

export async function listForOwner(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  account: Account,
): Promise<{ documents: ListedDocument[]; usage: Usage }> {
  const today = parisDay(ctx.clock.now());
  const [documents, usage] = await Promise.all([repo.listDocuments(ctx.pool, ownerOf(account)), usageOf(ctx.pool, quotaScopeOf(account))]);
  return { documents: documents.map((d) => ({ ...d, kindLabel: kindLabel(d.kind), validity: validityOf(d.validUntil, today) })), usage };
}

export async function findForOwner(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  account: Account,
  documentId: string,
): Promise<ListedDocument | undefined> {
  const doc = await repo.findDocument(ctx.pool, ownerOf(account), documentId);
  if (!doc) return undefined;
  return { ...doc, kindLabel: kindLabel(doc.kind), validity: validityOf(doc.validUntil, parisDay(ctx.clock.now())) };
}

export function fileForOwner(ctx: Pick<ServiceContext, 'pool' | 'clock'>, account: Account, documentId: string, fileId: string) {
  return repo.findFileContent(ctx.pool, ownerOf(account), documentId, fileId);
}

/**
 * The owner's stored documents' files, read as new uploads so that a request carries its own
 * copies (an absence's justificatifs, a QF attestation): the agents read the request's copy,
 * never the private storage. A file gone since the documents were checked is a 404.
 */
export async function copyStoredFiles(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  account: Account,
  documents: Pick<ListedDocument, 'id' | 'files'>[],
): Promise<CheckedFile[]> {
  const copies: CheckedFile[] = [];
  for (const doc of documents) {
    for (const f of doc.files) {
      const content = await fileForOwner(ctx, account, doc.id, f.id);
      if (!content) throw new NotFoundError('stored file');
      copies.push({
        buffer: content.content,
        mime: content.contentType,
        name: content.fileName,
        size: content.sizeBytes,
        sha256: content.sha256,
      });
    }
  }
  return copies;
}

export type StoreResult = { ok: true; documentId: string } | { ok: false; reason: 'quota'; message: string };

/**
 * Stores a document and its checked files in the caller's transaction, within the quota.
 * The absences of issue 6 call it for "Dupliquer cette pièce dans mon espace de stockage",
 * inside the transaction that saves the absence.
 */
export async function storeDocument(
  db: pg.PoolClient,
  clock: Clock,
  account: Pick<Account, 'townId' | 'id' | 'familyId'>,
  document: NewDocument,
  files: CheckedFile[],
): Promise<StoreResult> {
  if (files.length === 0) throw new Error('a document has at least one file');
  const scope = quotaScopeOf(account);
  await repo.lockQuotaScope(db, scope);
  const usage = await usageOf(db, scope);
  const adding = files.reduce((sum, f) => sum + f.size, 0);
  if (usage.usedBytes + adding > usage.quotaBytes) {
    const left = Math.max(0, usage.quotaBytes - usage.usedBytes);
    return {
      ok: false,
      reason: 'quota',
      message:
        `Il ne reste pas assez de place dans votre espace de stockage : ces fichiers (${formatBytes(adding)}) dépassent la place restante ` +
        `(${formatBytes(left)} sur ${formatBytes(usage.quotaBytes)}). Supprimez des documents dont vous n'avez plus besoin, puis recommencez`,
    };
  }
  const documentId = await repo.insertDocument(
    db,
    ownerOf(account),
    document,
    files.map((f) => ({ fileName: f.name, contentType: f.mime, content: f.buffer, sha256: f.sha256 })),
    clock.now(),
  );
  return { ok: true, documentId };
}

/** Adds a document to the parent's storage: one transaction, all files or none. */
export function addDocument(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  account: Account,
  document: NewDocument,
  files: CheckedFile[],
): Promise<StoreResult> {
  return withTransaction(ctx.pool, (db) => storeDocument(db, ctx.clock, account, document, files));
}

export function deleteForOwner(ctx: Pick<ServiceContext, 'pool' | 'clock'>, account: Account, documentId: string): Promise<boolean> {
  return repo.deleteDocument(ctx.pool, ownerOf(account), documentId);
}
