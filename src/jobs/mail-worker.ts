import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';

export interface Delivery {
  /** 'local' keeps the mail in the database for /_dev/mail instead of sending it. */
  name: 'smtp' | 'local';
  send(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<void>;
  close(): void;
}

export function createDelivery(smtpUrl: string | undefined): Delivery {
  if (!smtpUrl) return { name: 'local', send: async () => undefined, close: () => undefined };
  // An unreachable or stalled server must fail fast: the mail is retried later anyway.
  // nodemailer reads transport options from the URL's query; the operator's own win.
  const url = new URL(smtpUrl);
  for (const [key, value] of Object.entries({ connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '60000' })) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  }
  const transporter: Transporter = nodemailer.createTransport(url.toString(), { disableFileAccess: true, disableUrlAccess: true });
  return {
    name: 'smtp',
    send: async (message) => {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}

interface OutboxRow {
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: 'pending' | 'sent' | 'failed';
}

/**
 * The handler of the queue "mail": sends one mail of the outbox and records the outcome. A
 * failure is thrown so the queue retries it with backoff; the last one marks the mail failed.
 * A mail already marked sent is not sent again (a retry after a crash between the SMTP answer
 * and the job's completion); a crash between the SMTP answer and that mark sends it twice.
 */
export async function sendOutboxMail(
  ctx: { pool: pg.Pool; clock: Clock; logger: Logger; delivery: Delivery; config: { mailFrom: string } },
  mailId: string,
  job: { retryCount: number; retryLimit: number },
): Promise<void> {
  const { rows } = await ctx.pool.query<OutboxRow>(
    `select to_address, subject, text_body, html_body, status from mail_outbox where id = $1`,
    [mailId],
  );
  const row = rows[0];
  if (!row || row.status !== 'pending') return;
  try {
    await ctx.delivery.send({
      from: ctx.config.mailFrom,
      to: row.to_address,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
    });
  } catch (err) {
    const failed = job.retryCount >= job.retryLimit;
    await ctx.pool.query(`update mail_outbox set attempts = attempts + 1, status = $2, last_error = $3 where id = $1`, [
      mailId,
      failed ? 'failed' : 'pending',
      String((err as Error).message).slice(0, 500),
    ]);
    throw err;
  }
  await ctx.pool.query(
    `update mail_outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, transport = $3, last_error = null where id = $1`,
    [mailId, ctx.clock.now(), ctx.delivery.name],
  );
}
