import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The decoded text part (quoted-printable undone), good enough to find links. */
  text: string;
}

/**
 * A real SMTP server in the test process. `stop()` then `start()` on the same port
 * simulates an outage: the app's mail must wait and arrive afterwards.
 */
export class TestSmtpServer {
  readonly mails: ReceivedMail[] = [];
  #server: SMTPServer | undefined;
  port = 0;

  /** `ackDelayMs`: how long the server holds its "250 OK" after a mail's data (a slow server; the crash test's window). */
  constructor(private readonly options: { ackDelayMs?: number } = {}) {}

  async start(port = this.port): Promise<void> {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            subject: decodeSubject(raw),
            text: decodeQuotedPrintable(raw),
          });
          if (this.options.ackDelayMs) setTimeout(() => callback(), this.options.ackDelayMs);
          else callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.#server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/[\u0080-\u00ff]{2,}/g, (s) => Buffer.from(s, 'latin1').toString('utf8'));
}

function decodeSubject(raw: string): string {
  const line = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return line
    .replace(/\r?\n[ \t]/g, '')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .replace(/\?=\s*=\?/g, '');
}

/** All links in a mail's text, in order. */
export function linksIn(mail: ReceivedMail): string[] {
  return [...mail.text.matchAll(/https?:\/\/[^\s<>"\]]+/g)].map((m) => m[0]);
}
