import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../../src/db/pool.js';
import { enqueueMail } from '../../../src/lib/mailer.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

/**
 * The development mailbox, where mails land when SMTP_URL is unset: a newcomer reads the
 * activation mail there and clicks its link.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('/_dev/mail', () => {
  it('lists a queued mail and opens it with its link clickable', async () => {
    const subject = `Activez votre espace ${crypto.randomUUID().slice(0, 8)}`;
    const id = await withTransaction(t.db.pool, (db) =>
      enqueueMail(db, {
        townId: null,
        to: 'nouvelle@example.test',
        template: 'notification',
        subject,
        data: {
          townName: 'Tarnos',
          greeting: 'Bonjour,',
          paragraphs: ['Bienvenue.'],
          link: { url: 'http://portail.test/tarnos/activer?t=abc', label: 'Activer' },
        },
      }),
    );
    const list = await t.agent().get('/_dev/mail');
    expect(list.status).toBe(200);
    expect(list.text).toContain(subject);
    expect(list.text).toContain(`href="/_dev/mail/${id}"`);
    expect(list.text).toContain('en attente');

    const mail = await t.agent().get(`/_dev/mail/${id}`);
    expect(mail.status).toBe(200);
    expect(mail.text).toContain('nouvelle@example.test');
    expect(mail.text).toContain('<a href="http://portail.test/tarnos/activer?t=abc">');
  });

  it('answers 404 for a mail that does not exist, or an id that is not one', async () => {
    expect((await t.agent().get(`/_dev/mail/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await t.agent().get('/_dev/mail/abc')).status).toBe(404);
  });
});
