import crypto from 'node:crypto';
import path from 'node:path';
import ejs from 'ejs';
import type { Queryable } from '../db/pool.js';
import { enqueueJob, enqueueJobs } from '../jobs/enqueue.js';
import { insertMail, insertMails, type MailAttachment } from '../repositories/mail-outbox.repository.js';
import * as format from './format.js';
import { VIEWS_DIR } from './paths.js';

export interface MailRequest {
  townId: string | null;
  to: string;
  /** A file pair in views/emails/: `<template>.html.ejs` and `<template>.text.ejs`. */
  template: string;
  subject: string;
  data: Record<string, unknown>;
  /** Small text files sent with the mail (a booking's .ics). */
  attachments?: MailAttachment[];
}

/** Header injection is impossible by construction: one plain address, no CR/LF. */
function assertSingleAddress(to: string): void {
  if (!/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(to) || to.length > 254) {
    throw new Error('refusing to queue mail to a malformed address');
  }
}

function cleanSubject(subject: string): string {
  // eslint-disable-next-line no-control-regex
  return subject.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** The text part is not HTML: EJS must not escape it (it only ever reaches a text/plain body). */
const noEscape = (s: unknown) => String(s ?? '');

/**
 * Compiled once per file (EJS's cache, keyed by the file's name; includes too): compiling is
 * most of a mail's cost. Safe because the escaping is baked into each compiled function and
 * a file is always compiled with the same one: `*.html.ejs` and `partials/html-*` escape,
 * `*.text.ejs` and `partials/text-*` do not, and no file is both.
 */
async function render(template: string, kind: 'html' | 'text', data: Record<string, unknown>): Promise<string> {
  const file = path.join(VIEWS_DIR, 'emails', `${template}.${kind}.ejs`);
  const options = kind === 'text' ? { escape: noEscape } : {};
  // Mails get the same French formatters as pages (counts, elision, dates).
  return ejs.renderFile(file, { format, ...data }, { ...options, cache: true, async: false, views: [VIEWS_DIR] });
}

/** Checks the address and renders both parts of the mail. */
export async function renderMail(mail: MailRequest): Promise<{ subject: string; text: string; html: string }> {
  assertSingleAddress(mail.to);
  const subject = cleanSubject(mail.subject);
  const data = { ...mail.data, subject };
  const [html, text] = await Promise.all([render(mail.template, 'html', data), render(mail.template, 'text', data)]);
  return { subject, text, html };
}

/**
 * Renders the mail, records it in mail_outbox (what /_dev/mail lists) and queues the job that
 * sends it (ADR 0013). Call it with the transaction's client so the mail and its job exist if
 * and only if the change that causes it is committed.
 */
export async function enqueueMail(db: Queryable, mail: MailRequest): Promise<string> {
  const { subject, text, html } = await renderMail(mail);
  const jobId = crypto.randomUUID();
  const id = await insertMail(db, {
    townId: mail.townId,
    template: mail.template,
    to: mail.to,
    subject,
    text,
    html,
    jobId,
    ...(mail.attachments ? { attachments: mail.attachments } : {}),
  });
  await enqueueJob(db, 'mail', { mailId: id }, { id: jobId });
  return id;
}

/**
 * Several mails written by one change (VALIDER's request acknowledgement and its confirmation):
 * as `enqueueMail` each, but their outbox rows in one statement and their jobs in another, two
 * round trips whatever their number. Same transaction rule.
 */
export async function enqueueMails(db: Queryable, mails: MailRequest[]): Promise<string[]> {
  if (mails.length === 0) return [];
  if (mails.length === 1) return [await enqueueMail(db, mails[0]!)];
  const rendered = await Promise.all(mails.map(async (mail) => ({ mail, ...(await renderMail(mail)), jobId: crypto.randomUUID() })));
  const ids = await insertMails(
    db,
    rendered.map((r) => ({
      townId: r.mail.townId,
      template: r.mail.template,
      to: r.mail.to,
      subject: r.subject,
      text: r.text,
      html: r.html,
      jobId: r.jobId,
      ...(r.mail.attachments ? { attachments: r.mail.attachments } : {}),
    })),
  );
  await enqueueJobs(
    db,
    'mail',
    rendered.map((r, i) => ({ id: r.jobId, data: { mailId: ids[i]! } })),
  );
  return ids;
}
