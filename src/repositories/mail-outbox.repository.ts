import type { Queryable } from '../db/pool.js';

/**
 * The mail outbox: a mail is written here with the change that causes it (lib/mailer.ts), then
 * sent by a job of the queue "mail" that knows only its id. Rows are found by id, not by town:
 * some mails have none (`town_id` null), and the id comes from the job, never from a request.
 */

export interface NewOutboxMail {
  townId: string | null;
  template: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  jobId: string;
  attachments?: MailAttachment[];
}

/** A small text file sent with the mail (an .ics). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

export async function insertMail(db: Queryable, mail: NewOutboxMail): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into mail_outbox (town_id, template, to_address, subject, text_body, html_body, job_id, attachments)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [mail.townId, mail.template, mail.to, mail.subject, mail.text, mail.html, mail.jobId, JSON.stringify(mail.attachments ?? [])],
  );
  return rows[0]!.id;
}

/** Several mails in one statement, in the order given; their ids in that order. */
export async function insertMails(db: Queryable, mails: NewOutboxMail[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string; jobId: string }>(
    `insert into mail_outbox (town_id, template, to_address, subject, text_body, html_body, job_id, attachments)
     select town_id, template, to_address, subject, text_body, html_body, job_id, attachments
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::jsonb[]) with ordinality
            as m(town_id, template, to_address, subject, text_body, html_body, job_id, attachments, n)
      order by n
     returning id, job_id as "jobId"`,
    [
      mails.map((m) => m.townId),
      mails.map((m) => m.template),
      mails.map((m) => m.to),
      mails.map((m) => m.subject),
      mails.map((m) => m.text),
      mails.map((m) => m.html),
      mails.map((m) => m.jobId),
      mails.map((m) => JSON.stringify(m.attachments ?? [])),
    ],
  );
  // RETURNING promises no order: each row is matched to its mail by its job's id.
  const byJob = new Map(rows.map((r) => [r.jobId, r.id]));
  return mails.map((m) => byJob.get(m.jobId)!);
}

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  status: 'pending' | 'sent' | 'failed';
  attachments: MailAttachment[];
}

export async function findMail(db: Queryable, id: string): Promise<OutboxMail | undefined> {
  const { rows } = await db.query<OutboxMail>(
    `select to_address as "to", subject, text_body as text, html_body as html, status, attachments from mail_outbox where id = $1`,
    [id],
  );
  return rows[0];
}

/** A failed attempt: the mail stays pending for the queue's next try, or is failed for good. */
export async function recordFailedAttempt(db: Queryable, id: string, final: boolean, error: string): Promise<void> {
  await db.query(`update mail_outbox set attempts = attempts + 1, status = $2, last_error = $3 where id = $1`, [
    id,
    final ? 'failed' : 'pending',
    error,
  ]);
}

/** When the mail left (null while it waits, e.g. through an SMTP outage). */
export async function findSentAt(db: Queryable, id: string): Promise<Date | null> {
  const { rows } = await db.query<{ sentAt: Date | null }>(`select sent_at as "sentAt" from mail_outbox where id = $1`, [id]);
  return rows[0]?.sentAt ?? null;
}

export async function markSent(db: Queryable, id: string, at: Date, transport: string): Promise<void> {
  await db.query(
    `update mail_outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, transport = $3, last_error = null where id = $1`,
    [id, at, transport],
  );
}

/** Pending mails written before the job queue existed (no job yet), locked until the caller's commit. */
export async function lockUnqueuedMails(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select id from mail_outbox where status = 'pending' and job_id is null for update`);
  return rows.map((r) => r.id);
}

export async function setMailJob(db: Queryable, id: string, jobId: string): Promise<void> {
  await db.query('update mail_outbox set job_id = $2 where id = $1', [id, jobId]);
}

// ------------------------------------------------ the development mailbox (/_dev/mail)
// Every town's mails: it is never mounted in production. Its views read the column names.

export interface DevMailLine {
  id: string;
  to_address: string;
  subject: string;
  status: string;
  created_at: Date;
  transport: string | null;
}

export async function listRecentMails(db: Queryable, limit = 100): Promise<DevMailLine[]> {
  const { rows } = await db.query<DevMailLine>(
    `select id, to_address, subject, status, created_at, transport from mail_outbox order by created_at desc limit $1`,
    [limit],
  );
  return rows;
}

export async function findDevMail(
  db: Queryable,
  id: string,
): Promise<{ to_address: string; subject: string; text_body: string; created_at: Date; attachments: MailAttachment[] } | undefined> {
  const { rows } = await db.query<{
    to_address: string;
    subject: string;
    text_body: string;
    created_at: Date;
    attachments: MailAttachment[];
  }>(`select to_address, subject, text_body, created_at, attachments from mail_outbox where id = $1`, [id]);
  return rows[0];
}
