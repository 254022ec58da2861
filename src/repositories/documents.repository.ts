import type { Queryable } from '../db/pool.js';

/**
 * The private document storage ("Vous seul pouvez consulter son contenu"). Every function
 * that reads or changes a document takes its OWNER — the signed-in parent's town and
 * account — and filters on both in SQL: there is no function here that finds a document by
 * id alone, so no caller (and no back-office route) can reach someone else's document.
 * Which source files may import this module is an allow-list checked by a test
 * (src/features/documents/documents.structure.test.ts).
 */
export interface Owner {
  townId: string;
  accountId: string;
}

export interface StoredFileInfo {
  id: string;
  position: number;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

export interface NewDocument {
  kind: string;
  title: string;
  number: string;
  issuingAuthority: string;
  issuedOn: string | null;
  validUntil: string | null;
}

export interface PrivateDocument extends NewDocument {
  id: string;
  createdAt: Date;
  files: StoredFileInfo[];
}

export interface NewFile {
  fileName: string;
  contentType: string;
  content: Buffer;
  sha256: string;
}

const DOCUMENT_COLUMNS = `d.id, d.kind, d.title, d.number, d.issuing_authority as "issuingAuthority", d.issued_on as "issuedOn",
  d.valid_until as "validUntil", d.created_at as "createdAt",
  coalesce((select json_agg(json_build_object('id', f.id, 'position', f.position, 'fileName', f.file_name,
                                              'contentType', f.content_type, 'sizeBytes', f.size_bytes, 'sha256', f.sha256)
                            order by f.position)
              from private_document_files f where f.document_id = d.id), '[]'::json) as files`;

/** The owner's documents, newest first, with their files' details (never their bytes). */
export async function listDocuments(db: Queryable, owner: Owner): Promise<PrivateDocument[]> {
  const { rows } = await db.query<PrivateDocument>(
    `select ${DOCUMENT_COLUMNS} from private_documents d
      where d.town_id = $1 and d.account_id = $2 order by d.created_at desc, d.id`,
    [owner.townId, owner.accountId],
  );
  return rows;
}

export async function findDocument(db: Queryable, owner: Owner, documentId: string): Promise<PrivateDocument | undefined> {
  const { rows } = await db.query<PrivateDocument>(
    `select ${DOCUMENT_COLUMNS} from private_documents d where d.town_id = $1 and d.account_id = $2 and d.id = $3`,
    [owner.townId, owner.accountId, documentId],
  );
  return rows[0];
}

export interface FileContent extends StoredFileInfo {
  content: Buffer;
}

/** One file's bytes, if the document is the owner's and the file is the document's. */
export async function findFileContent(db: Queryable, owner: Owner, documentId: string, fileId: string): Promise<FileContent | undefined> {
  const { rows } = await db.query<FileContent>(
    `select f.id, f.position, f.file_name as "fileName", f.content_type as "contentType", f.size_bytes as "sizeBytes",
            f.sha256, f.content
       from private_document_files f
       join private_documents d on d.town_id = f.town_id and d.id = f.document_id
      where d.town_id = $1 and d.account_id = $2 and d.id = $3 and f.id = $4`,
    [owner.townId, owner.accountId, documentId, fileId],
  );
  return rows[0];
}

/** Inserts a document and its files (call it inside the caller's transaction). */
export async function insertDocument(db: Queryable, owner: Owner, doc: NewDocument, files: NewFile[], at: Date): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into private_documents (town_id, account_id, kind, title, number, issuing_authority, issued_on, valid_until, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id`,
    [owner.townId, owner.accountId, doc.kind, doc.title, doc.number, doc.issuingAuthority, doc.issuedOn, doc.validUntil, at],
  );
  const id = rows[0]!.id;
  for (const [i, f] of files.entries()) {
    await db.query(
      `insert into private_document_files (town_id, document_id, position, file_name, content_type, size_bytes, sha256, content, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [owner.townId, id, i + 1, f.fileName, f.contentType, f.content.length, f.sha256, f.content, at],
    );
  }
  return id;
}

/** Deletes one of the owner's documents with its files; false when there is no such document. */
export async function deleteDocument(db: Queryable, owner: Owner, documentId: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from private_documents where town_id = $1 and account_id = $2 and id = $3`, [
    owner.townId,
    owner.accountId,
    documentId,
  ]);
  return (rowCount ?? 0) > 0;
}

// ---------------------------------------------------------------- quota

/**
 * Whose storage the quota counts: the family file when the account has one (every
 * account of the file shares it), else the account alone. Only sizes are summed here:
 * nothing of another account's documents is returned.
 */
export type QuotaScope = { townId: string; familyId: string } | { townId: string; accountId: string };

export function quotaKey(scope: QuotaScope): string {
  return 'familyId' in scope ? `family:${scope.familyId}` : `account:${scope.accountId}`;
}

export async function townDocumentQuota(db: Queryable, townId: string): Promise<number> {
  const { rows } = await db.query<{ quota: number }>(`select document_quota_bytes as quota from towns where id = $1`, [townId]);
  return rows[0]?.quota ?? 0;
}

export async function usedBytes(db: Queryable, scope: QuotaScope): Promise<number> {
  const { rows } =
    'familyId' in scope
      ? await db.query<{ used: number }>(
          `select coalesce(sum(f.size_bytes), 0)::bigint as used
             from private_document_files f
             join private_documents d on d.town_id = f.town_id and d.id = f.document_id
             join accounts a on a.town_id = d.town_id and a.id = d.account_id
            where a.town_id = $1 and a.family_id = $2`,
          [scope.townId, scope.familyId],
        )
      : await db.query<{ used: number }>(
          `select coalesce(sum(f.size_bytes), 0)::bigint as used
             from private_document_files f
             join private_documents d on d.town_id = f.town_id and d.id = f.document_id
            where d.town_id = $1 and d.account_id = $2`,
          [scope.townId, scope.accountId],
        );
  return rows[0]!.used;
}

/**
 * Serialises the uploads of one quota scope until the transaction ends, so two uploads at
 * once cannot both fit in the last megabytes.
 */
export async function lockQuotaScope(db: Queryable, scope: QuotaScope): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`documents-quota:${scope.townId}:${quotaKey(scope)}`]);
}
