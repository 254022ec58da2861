import type { Queryable } from '../db/pool.js';

/**
 * SEPA direct debit (migrations/0019_payments.sql): the town's creditor settings, the
 * mandates parents sign online, the collections exported as pain.008 batches and their
 * rejects. Payments themselves go through payments.repository.ts (insertPayment,
 * settlePayment, reversePayment). Every query filters on the town.
 */

export interface SepaSettings {
  enabled: boolean;
  creditorId: string | null;
  creditorName: string | null;
  creditorIban: string | null;
  creditorBic: string | null;
  prenotificationDays: number;
}

export async function getSepaSettings(db: Queryable, townId: string): Promise<SepaSettings> {
  const { rows } = await db.query<SepaSettings>(
    `select coalesce(s.sepa_enabled, false) as enabled, s.sepa_creditor_id as "creditorId", s.sepa_creditor_name as "creditorName",
            s.sepa_creditor_iban as "creditorIban", s.sepa_creditor_bic as "creditorBic",
            coalesce(s.debit_prenotification_days, 14)::int as "prenotificationDays"
       from towns t left join billing_settings s on s.town_id = t.id
      where t.id = $1`,
    [townId],
  );
  return (
    rows[0] ?? { enabled: false, creditorId: null, creditorName: null, creditorIban: null, creditorBic: null, prenotificationDays: 14 }
  );
}

/** Whether the town takes payments online (billing_settings.payment_provider, 0019): what a reject's mail may suggest. */
export async function takesOnlinePayments(db: Queryable, townId: string): Promise<boolean> {
  const { rows } = await db.query<{ provider: string }>(
    `select coalesce(s.payment_provider, 'builtin') as provider from towns t left join billing_settings s on s.town_id = t.id where t.id = $1`,
    [townId],
  );
  return (rows[0]?.provider ?? 'none') !== 'none';
}

/** The SEPA columns only: the other billing settings keep their values (or their defaults for a town without a row). */
export async function saveSepaSettings(db: Queryable, townId: string, s: SepaSettings, now: Date): Promise<void> {
  await db.query(
    `insert into billing_settings (town_id, sepa_enabled, sepa_creditor_id, sepa_creditor_name, sepa_creditor_iban, sepa_creditor_bic,
                                   debit_prenotification_days, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (town_id) do update set sepa_enabled = excluded.sepa_enabled, sepa_creditor_id = excluded.sepa_creditor_id,
       sepa_creditor_name = excluded.sepa_creditor_name, sepa_creditor_iban = excluded.sepa_creditor_iban,
       sepa_creditor_bic = excluded.sepa_creditor_bic, debit_prenotification_days = excluded.debit_prenotification_days,
       updated_at = excluded.updated_at`,
    [townId, s.enabled, s.creditorId, s.creditorName, s.creditorIban, s.creditorBic, s.prenotificationDays, now],
  );
}

// ---------------------------------------------------------------- mandates

export interface Mandate {
  id: string;
  familyId: string;
  accountId: string | null;
  rum: string;
  creditorId: string;
  debtorName: string;
  debtorAddress: string;
  debtorIban: string;
  debtorBic: string | null;
  signedAt: Date;
  signedPlace: string;
  documentId: string | null;
  revokedAt: Date | null;
  firstCollectionDone: boolean;
}

const MANDATE_COLUMNS = `m.id, m.family_id as "familyId", m.account_id as "accountId", m.rum, m.creditor_id as "creditorId",
  m.debtor_name as "debtorName", m.debtor_address as "debtorAddress", m.debtor_iban as "debtorIban", m.debtor_bic as "debtorBic",
  m.signed_at as "signedAt", m.signed_place as "signedPlace", m.document_id as "documentId", m.revoked_at as "revokedAt",
  m.first_collection_done as "firstCollectionDone"`;

export async function findActiveMandate(db: Queryable, townId: string, familyId: string): Promise<Mandate | undefined> {
  const { rows } = await db.query<Mandate>(
    `select ${MANDATE_COLUMNS} from sepa_mandates m where m.town_id = $1 and m.family_id = $2 and m.revoked_at is null`,
    [townId, familyId],
  );
  return rows[0];
}

export interface NewMandate {
  townId: string;
  familyId: string;
  accountId: string;
  rum: string;
  creditorId: string;
  debtorName: string;
  debtorAddress: string;
  debtorIban: string;
  debtorBic: string | null;
  signedPlace: string;
  signedAt: Date;
}

export async function insertMandate(db: Queryable, m: NewMandate): Promise<Mandate> {
  const { rows } = await db.query<Mandate>(
    `insert into sepa_mandates as m (town_id, family_id, account_id, rum, creditor_id, debtor_name, debtor_address, debtor_iban, debtor_bic,
                                     signed_place, signed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     returning ${MANDATE_COLUMNS}`,
    [
      m.townId,
      m.familyId,
      m.accountId,
      m.rum,
      m.creditorId,
      m.debtorName,
      m.debtorAddress,
      m.debtorIban,
      m.debtorBic,
      m.signedPlace,
      m.signedAt,
    ],
  );
  return rows[0]!;
}

export async function setMandateDocument(db: Queryable, townId: string, mandateId: string, documentId: string): Promise<void> {
  await db.query(`update sepa_mandates set document_id = $3 where town_id = $1 and id = $2`, [townId, mandateId, documentId]);
}

/** Ends the family's active mandate (a new one signed, the parent's revocation, a reject that ends it). */
export async function revokeActiveMandate(
  db: Queryable,
  townId: string,
  familyId: string,
  at: Date,
  byAccount: string | null,
): Promise<Mandate | undefined> {
  const { rows } = await db.query<Mandate>(
    `update sepa_mandates m set revoked_at = $3, revoked_by_account = $4
      where m.town_id = $1 and m.family_id = $2 and m.revoked_at is null
      returning ${MANDATE_COLUMNS}`,
    [townId, familyId, at, byAccount],
  );
  return rows[0];
}

export async function revokeMandate(db: Queryable, townId: string, mandateId: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(`update sepa_mandates set revoked_at = $3 where town_id = $1 and id = $2 and revoked_at is null`, [
    townId,
    mandateId,
    at,
  ]);
  return rowCount === 1;
}

/** The family's address as its file holds it, to pre-fill the mandate. */
export async function familyAddress(db: Queryable, townId: string, familyId: string): Promise<string> {
  const { rows } = await db.query<{ address: string }>(
    `select concat_ws(', ', nullif(address_line, ''), nullif(concat_ws(' ', nullif(postal_code, ''), nullif(city, '')), '')) as address
       from families where town_id = $1 and id = $2`,
    [townId, familyId],
  );
  return rows[0]?.address ?? '';
}

// ---------------------------------------------------------------- invoices to debit

/** An unpaid invoice of a family whose mandate is active, with what it owes and the mandate it is debited on. */
export interface DebitCandidate {
  invoiceId: string;
  regieId: string;
  familyId: string;
  familyName: string;
  number: string;
  issuedOn: string;
  dueOn: string;
  owedCents: number;
  mandate: Pick<
    Mandate,
    'id' | 'accountId' | 'rum' | 'creditorId' | 'debtorName' | 'debtorIban' | 'debtorBic' | 'signedAt' | 'firstCollectionDone'
  >;
}

/**
 * The invoices a mandate covers and that still wait for their debit: issued (not paid),
 * owing something after credit notes, in no payment under way or done, and never rejected
 * by the bank (a rejected debit is not presented again: the family pays otherwise). A
 * separated parent's own invoice (split invoicing) is debited only on that parent's mandate.
 * `familyId` narrows to one family (the parent's pages); without it, the whole town (the export).
 */
export async function listDebitCandidates(db: Queryable, townId: string, familyId?: string): Promise<DebitCandidate[]> {
  const { rows } = await db.query<DebitCandidate>(
    `select i.id as "invoiceId", i.regie_id as "regieId", i.family_id as "familyId", f.name as "familyName", i.number, i.issued_on as "issuedOn", i.due_on as "dueOn",
            (i.total_cents - coalesce((select sum(cn.amount_cents) from credit_notes cn where cn.invoice_id = i.id), 0))::bigint as "owedCents",
            json_build_object('id', m.id, 'accountId', m.account_id, 'rum', m.rum, 'creditorId', m.creditor_id, 'debtorName', m.debtor_name, 'debtorIban', m.debtor_iban,
                              'debtorBic', m.debtor_bic, 'signedAt', m.signed_at, 'firstCollectionDone', m.first_collection_done) as mandate
       from invoices i
       join families f on f.town_id = i.town_id and f.id = i.family_id
       join sepa_mandates m on m.town_id = i.town_id and m.family_id = i.family_id and m.revoked_at is null
      where i.town_id = $1 and ($2::uuid is null or i.family_id = $2) and i.status = 'issued'
        and (not i.split or i.account_id = m.account_id)
        and i.total_cents > coalesce((select sum(cn.amount_cents) from credit_notes cn where cn.invoice_id = i.id), 0)
        and not exists (select 1 from payment_invoices pi join payments p on p.id = pi.payment_id
                         where pi.invoice_id = i.id and p.status in ('created', 'pending', 'paid'))
        and not exists (select 1 from direct_debit_items d where d.invoice_id = i.id and d.rejected_at is not null)
      order by i.due_on, i.number`,
    [townId, familyId ?? null],
  );
  // json_build_object gives the timestamp as text.
  return rows.map((r) => ({ ...r, mandate: { ...r.mandate, signedAt: new Date(r.mandate.signedAt) } }));
}

// ---------------------------------------------------------------- batches

export interface NewBatch {
  townId: string;
  messageId: string;
  collectionDate: string;
  count: number;
  amountCents: number;
  xml: string;
  agentId: string | null;
  actorLabel: string;
  createdAt: Date;
}

export async function insertBatch(db: Queryable, b: NewBatch): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into direct_debit_batches (town_id, message_id, collection_date, count, amount_cents, xml, agent_id, actor_label, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
    [b.townId, b.messageId, b.collectionDate, b.count, b.amountCents, b.xml, b.agentId, b.actorLabel, b.createdAt],
  );
  return rows[0]!.id;
}

export interface NewItem {
  paymentId: string;
  invoiceId: string;
  mandateId: string;
  sequenceType: 'FRST' | 'RCUR';
  endToEndId: string;
  amountCents: number;
}

export async function insertItems(db: Queryable, townId: string, batchId: string, items: NewItem[]): Promise<void> {
  await db.query(
    `insert into direct_debit_items (town_id, batch_id, payment_id, invoice_id, mandate_id, sequence_type, end_to_end_id, amount_cents)
     select $1, $2, i.payment_id, i.invoice_id, i.mandate_id, i.sequence_type, i.end_to_end_id, i.amount_cents
       from unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::bigint[])
            as i (payment_id, invoice_id, mandate_id, sequence_type, end_to_end_id, amount_cents)`,
    [
      townId,
      batchId,
      items.map((i) => i.paymentId),
      items.map((i) => i.invoiceId),
      items.map((i) => i.mandateId),
      items.map((i) => i.sequenceType),
      items.map((i) => i.endToEndId),
      items.map((i) => i.amountCents),
    ],
  );
}

export async function setFirstCollectionDone(db: Queryable, townId: string, mandateIds: string[], done: boolean): Promise<void> {
  await db.query(`update sepa_mandates set first_collection_done = $3 where town_id = $1 and id = any($2::uuid[])`, [
    townId,
    mandateIds,
    done,
  ]);
}

export interface BatchSummary {
  id: string;
  messageId: string;
  collectionDate: string;
  count: number;
  amountCents: number;
  rejectedCount: number;
  actorLabel: string;
  createdAt: Date;
}

const BATCH_COLUMNS = `b.id, b.message_id as "messageId", b.collection_date as "collectionDate", b.count, b.amount_cents as "amountCents",
  (select count(*) from direct_debit_items d where d.batch_id = b.id and d.rejected_at is not null)::int as "rejectedCount",
  b.actor_label as "actorLabel", b.created_at as "createdAt"`;

export async function listBatches(db: Queryable, townId: string): Promise<BatchSummary[]> {
  const { rows } = await db.query<BatchSummary>(
    `select ${BATCH_COLUMNS} from direct_debit_batches b where b.town_id = $1 order by b.created_at desc limit 200`,
    [townId],
  );
  return rows;
}

export async function findBatch(db: Queryable, townId: string, batchId: string): Promise<BatchSummary | undefined> {
  const { rows } = await db.query<BatchSummary>(`select ${BATCH_COLUMNS} from direct_debit_batches b where b.town_id = $1 and b.id = $2`, [
    townId,
    batchId,
  ]);
  return rows[0];
}

export async function findBatchXml(
  db: Queryable,
  townId: string,
  batchId: string,
): Promise<{ messageId: string; xml: string } | undefined> {
  const { rows } = await db.query<{ messageId: string; xml: string }>(
    `select message_id as "messageId", xml from direct_debit_batches where town_id = $1 and id = $2`,
    [townId, batchId],
  );
  return rows[0];
}

export interface BatchItem {
  invoiceId: string;
  invoiceNumber: string;
  familyId: string;
  familyName: string;
  paymentId: string;
  mandateId: string;
  /** Who signed the mandate (null once their account is deleted). */
  mandateAccountId: string | null;
  rum: string;
  debtorName: string;
  debtorIban: string;
  sequenceType: 'FRST' | 'RCUR';
  endToEndId: string;
  amountCents: number;
  rejectedAt: Date | null;
  rejectCode: string | null;
}

const ITEM_COLUMNS = `d.invoice_id as "invoiceId", i.number as "invoiceNumber", i.family_id as "familyId", f.name as "familyName",
  d.payment_id as "paymentId", d.mandate_id as "mandateId", m.account_id as "mandateAccountId", m.rum, m.debtor_name as "debtorName", m.debtor_iban as "debtorIban",
  d.sequence_type as "sequenceType", d.end_to_end_id as "endToEndId", d.amount_cents as "amountCents",
  d.rejected_at as "rejectedAt", d.reject_code as "rejectCode"`;
const ITEM_FROM = `direct_debit_items d
  join invoices i on i.town_id = d.town_id and i.id = d.invoice_id
  join families f on f.town_id = i.town_id and f.id = i.family_id
  join sepa_mandates m on m.town_id = d.town_id and m.id = d.mandate_id`;

export async function listBatchItems(db: Queryable, townId: string, batchId: string): Promise<BatchItem[]> {
  const { rows } = await db.query<BatchItem>(
    `select ${ITEM_COLUMNS} from ${ITEM_FROM} where d.town_id = $1 and d.batch_id = $2 order by f.name, i.number`,
    [townId, batchId],
  );
  return rows;
}

/** One item of a batch, locked until the end of the caller's transaction (two agents recording the same reject). */
export async function lockBatchItem(db: Queryable, townId: string, batchId: string, invoiceId: string): Promise<BatchItem | undefined> {
  const { rows } = await db.query<BatchItem>(
    `select ${ITEM_COLUMNS} from ${ITEM_FROM} where d.town_id = $1 and d.batch_id = $2 and d.invoice_id = $3 for update of d`,
    [townId, batchId, invoiceId],
  );
  return rows[0];
}

export async function markItemRejected(
  db: Queryable,
  townId: string,
  batchId: string,
  invoiceId: string,
  code: string,
  at: Date,
): Promise<void> {
  await db.query(
    `update direct_debit_items set rejected_at = $4, reject_code = $5 where town_id = $1 and batch_id = $2 and invoice_id = $3`,
    [townId, batchId, invoiceId, at, code],
  );
}

/** Whether another collection of the mandate was sent as its first and not rejected (then the next one stays RCUR). */
export async function mandateHasGoodFirst(db: Queryable, townId: string, mandateId: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from direct_debit_items where town_id = $1 and mandate_id = $2 and sequence_type = 'FRST' and rejected_at is null limit 1`,
    [townId, mandateId],
  );
  return rows.length > 0;
}

/** Where to tell a family about its debits: the mandate's signer, else every validated account of the family. */
export async function familyMailRecipients(
  db: Queryable,
  townId: string,
  familyId: string,
  preferAccountId: string | null,
): Promise<string[]> {
  const { rows } = await db.query<{ email: string; preferred: boolean }>(
    `select email, id = $3 as preferred from accounts
      where town_id = $1 and family_id = $2 and validation_status = 'validated'
      order by preferred desc, created_at`,
    [townId, familyId, preferAccountId],
  );
  const preferred = rows.filter((r) => r.preferred);
  return (preferred.length > 0 ? preferred : rows).map((r) => r.email);
}
