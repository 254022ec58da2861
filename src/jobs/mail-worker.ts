import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import * as outbox from '../repositories/mail-outbox.repository.js';

export interface Delivery {
  /** 'local' keeps the mail in the database for /_dev/mail instead of sending it. */
  name: 'smtp' | 'local';
  send(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
    attachments?: outbox.MailAttachment[];
  }): Promise<void>;
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
  const mail = await outbox.findMail(ctx.pool, mailId);
  if (!mail || mail.status !== 'pending') return;
  try {
    await ctx.delivery.send({
      from: ctx.config.mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      ...(mail.attachments.length > 0 ? { attachments: mail.attachments } : {}),
    });
  } catch (err) {
    const final = job.retryCount >= job.retryLimit;
    await outbox.recordFailedAttempt(ctx.pool, mailId, final, String((err as Error).message).slice(0, 500));
    throw err;
  }
  await outbox.markSent(ctx.pool, mailId, ctx.clock.now(), ctx.delivery.name);
}
