import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../../src/db/pool.js';
import { enqueueMail, enqueueMails, type MailRequest } from '../../../src/lib/mailer.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

/**
 * Issue 13: VALIDER writes two mails; queued together they take two statements instead of
 * four. Each must still be the mail, and get the job, that queueing it alone gives.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const mail = (to: string, subject: string): MailRequest => ({
  townId: null,
  to,
  template: 'notification',
  subject,
  data: { townName: 'Tarnos', greeting: 'Bonjour Madame BANC,', paragraphs: [`Objet : ${subject} <b>`] },
});

async function outboxAndJob(id: string) {
  const { rows } = await t.db.pool.query(
    `select m.to_address, m.subject, m.text_body, m.html_body, m.status,
            j.name, j.data, j.state, j.retry_limit, j.retry_delay, j.retry_backoff, j.retry_delay_max, j.expire_seconds,
            j.deletion_seconds, j.policy, j.priority
       from mail_outbox m join pgboss.job j on j.id = m.job_id where m.id = $1`,
    [id],
  );
  return rows[0] as Record<string, unknown> | undefined;
}

describe('mails queued together (enqueueMails)', () => {
  it('writes each mail and its job as queueing it alone does', async () => {
    const alone = await withTransaction(t.db.pool, (db) => enqueueMail(db, mail('seule@example.fr', 'Votre demande a bien été envoyée')));
    const together = await withTransaction(t.db.pool, (db) =>
      enqueueMails(db, [mail('a@example.fr', 'Votre demande est enregistrée'), mail('b@example.fr', 'Votre réservation est confirmée')]),
    );
    expect(together).toHaveLength(2);

    const reference = (await outboxAndJob(alone))!;
    expect(reference.data).toEqual({ mailId: alone });
    for (const [i, id] of together.entries()) {
      const row = (await outboxAndJob(id))!;
      expect(row.to_address).toBe(['a@example.fr', 'b@example.fr'][i]);
      expect(row.subject).toBe(['Votre demande est enregistrée', 'Votre réservation est confirmée'][i]);
      // Rendered as a mail alone is: HTML escaped, text not.
      expect(row.html_body).toContain(`${String(row.subject)} &lt;b&gt;`);
      expect(row.text_body).toContain(`${String(row.subject)} <b>`);
      expect(row.data).toEqual({ mailId: id });
      const job = (r: Record<string, unknown>) => {
        const { to_address: _to, subject: _s, text_body: _t, html_body: _h, data: _d, ...rest } = r;
        return rest;
      };
      expect(job(row)).toEqual(job(reference));
    }
  });

  it('leaves neither mail nor job when the change rolls back', async () => {
    const before = await t.db.pool.query(
      `select (select count(*) from mail_outbox)::int as mails, (select count(*) from pgboss.job where name = 'mail')::int as jobs`,
    );
    await expect(
      withTransaction(t.db.pool, async (db) => {
        await enqueueMails(db, [mail('c@example.fr', 'Un'), mail('d@example.fr', 'Deux')]);
        throw new Error('the change fails after its mails');
      }),
    ).rejects.toThrow('the change fails');
    const after = await t.db.pool.query(
      `select (select count(*) from mail_outbox)::int as mails, (select count(*) from pgboss.job where name = 'mail')::int as jobs`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});
