import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';

export const MAX_ATTEMPTS = 10;
/** How long a claimed mail is reserved for the worker that claimed it. */
export const LEASE_SECONDS = 300;

/** Exponential backoff with jitter: ~10 s, 20 s, 40 s … capped at one hour (about a day in all). */
export function backoffSeconds(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(3600, 10 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

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
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
}

/**
 * Drains the outbox: claims due mails with FOR UPDATE SKIP LOCKED (so several instances
 * never send the same one), sends each, and either marks it sent or schedules a retry.
 */
export class MailWorker {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly delivery: Delivery,
    private readonly options: { from: string; clock: Clock; logger: Logger; intervalMs?: number; batchSize?: number },
  ) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .then((sent) => this.#schedule(sent > 0 ? 0 : (this.options.intervalMs ?? 1000)))
        .catch((err: unknown) => {
          this.options.logger.warn({ err }, 'mail worker pass failed');
          this.#schedule(this.options.intervalMs ?? 1000);
        });
    }, delay);
    this.#timer.unref();
  }

  /**
   * One pass: returns how many mails were handled (sent or rescheduled). Due mails are
   * claimed in one statement that pushes their next attempt LEASE_SECONDS ahead, so no
   * transaction stays open while SMTP answers; a process dying mid-send leaves the lease
   * to expire and the mail is tried again (at least once, never lost).
   */
  async runOnce(): Promise<number> {
    const now = this.options.clock.now();
    const { rows } = await this.pool.query<OutboxRow>(
      `with due as (
         select id from mail_outbox
          where status = 'pending' and next_attempt_at <= $1
          order by next_attempt_at
          limit $2
          for update skip locked
       )
       update mail_outbox m set next_attempt_at = $1::timestamptz + make_interval(secs => $3)
         from due where m.id = due.id
       returning m.id, m.to_address, m.subject, m.text_body, m.html_body, m.attempts`,
      [now, this.options.batchSize ?? 20, LEASE_SECONDS],
    );
    for (const row of rows) {
      try {
        await this.delivery.send({
          from: this.options.from,
          to: row.to_address,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
        });
        await this.pool.query(
          `update mail_outbox set status = 'sent', sent_at = $2, attempts = attempts + 1, transport = $3, last_error = null where id = $1`,
          [row.id, this.options.clock.now(), this.delivery.name],
        );
      } catch (err) {
        const attempts = row.attempts + 1;
        const failed = attempts >= MAX_ATTEMPTS;
        const next = new Date(this.options.clock.now().getTime() + backoffSeconds(attempts) * 1000);
        await this.pool.query(`update mail_outbox set attempts = $2, status = $3, next_attempt_at = $4, last_error = $5 where id = $1`, [
          row.id,
          attempts,
          failed ? 'failed' : 'pending',
          next,
          String((err as Error).message).slice(0, 500),
        ]);
        this.options.logger[failed ? 'error' : 'warn'](
          { mailId: row.id, attempts, err },
          failed ? 'mail given up' : 'mail delivery failed, will retry',
        );
      }
    }
    return rows.length;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
    this.delivery.close();
  }
}
