import type supertest from 'supertest';
import { expect } from 'vitest';
import { urls } from '../../../src/routes.js';
import { csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, familyByKey } from '../../helpers/fixtures.js';

export interface Upload {
  content: Buffer;
  filename: string;
  contentType?: string;
}

/** What the seed's parent types for an attestation (seed 004's fields). */
export const FIELDS: Record<string, string> = {
  qualification: 'attestation_caf',
  intitule: 'Attestation CAF 2026',
  numero: 'CAF-40-123456',
  autoriteDelivrance: 'CAF des Landes',
  dateDelivranceJour: '15',
  dateDelivranceMois: '1',
  dateDelivranceAnnee: '2026',
  dateLimiteValiditeJour: '31',
  dateLimiteValiditeMois: '12',
  dateLimiteValiditeAnnee: '2026',
};

export interface SignedInParent {
  agent: supertest.Agent;
  token: string;
  accountId: string;
  username: string;
  familyId: string | null;
}

/** A parent signed in through the form; `familyKey` links the account to a demo family file. */
export async function signedInParent(t: TestApp, town = 'tarnos', familyKey?: string): Promise<SignedInParent> {
  const familyId = familyKey ? (await familyByKey(t.db.pool, town, familyKey)).id : null;
  const parent = await createParent(t.db.pool, town, { familyId });
  const agent = t.agent();
  const res = await signIn(agent, town, parent.username, parent.password);
  expect(res.status).toBe(303);
  const token = await csrfToken(agent, urls.documentNew(town));
  return { agent, token, accountId: parent.id, username: parent.username, familyId };
}

/** The add form, as a browser sends it: same-origin multipart, the token first, the files last. */
export function postDocument(
  agent: supertest.Agent,
  town: string,
  token: string | undefined,
  fields: Record<string, string>,
  files: Upload[],
  fileField = 'fichiers',
) {
  let req = agent.post(urls.documentNew(town)).set('Sec-Fetch-Site', 'same-origin');
  if (token !== undefined) req = req.field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  for (const f of files) req = req.attach(fileField, f.content, { filename: f.filename, contentType: f.contentType ?? 'application/pdf' });
  return req;
}

export async function countRows(t: TestApp, table: 'private_documents' | 'private_document_files'): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]!.n;
}

/** The ids of an account's document (by its title) and of its files, in order. */
export async function documentByTitle(t: TestApp, accountId: string, title: string): Promise<{ id: string; fileIds: string[] }> {
  const { rows } = await t.db.pool.query<{ id: string; file_ids: string[] }>(
    `select d.id, array(select f.id from private_document_files f where f.document_id = d.id order by f.position) as file_ids
       from private_documents d where d.account_id = $1 and d.title = $2`,
    [accountId, title],
  );
  if (rows.length !== 1) throw new Error(`expected one document "${title}", found ${rows.length}`);
  return { id: rows[0]!.id, fileIds: rows[0]!.file_ids };
}

/** Adds a document through the form and returns its ids. */
export async function addDocument(t: TestApp, p: SignedInParent, title: string, files: Upload[], town = 'tarnos') {
  const res = await postDocument(p.agent, town, p.token, { ...FIELDS, intitule: title }, files);
  expect(res.status, res.text.slice(0, 500)).toBe(303);
  return documentByTitle(t, p.accountId, title);
}
