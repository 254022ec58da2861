import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerAccount, type RegistrationInput } from '../../../src/features/parent-accounts/parent-accounts.service.js';
import { requestEmailChange } from '../../../src/features/contact/contact.service.js';
import { createTestApp, csrfToken, type TestApp } from '../../helpers/app.js';
import { createParent, registrationInput, town } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';

/**
 * Issue 10, "Abuse": a stranger must not be able to fill someone's mailbox through the
 * forms that mail an account's owner. Each kind of mail has a budget per recipient
 * (3 an hour, src/lib/mail-limits.ts) on top of the limits per source address.
 */
let t: TestApp;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  await smtp.start();
  // One proxy hop, so X-Forwarded-For stands for the attacker's two addresses.
  t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: smtp.url, env: { TRUST_PROXY: '1' } });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

const withoutToken = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');

async function post(path: string, ip: string, identifiant: string) {
  const agent = t.agent();
  const token = await csrfToken(agent, path);
  return agent.post(path).set('X-Forwarded-For', ip).type('form').send({ _csrf: token, identifiant });
}

let n = 0;
function registration(overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  n += 1;
  const tag = `${n}${Math.random().toString(36).slice(2, 6)}`;
  return registrationInput({ email: `flood${tag}@example.fr`, username: `flood${tag}`, ...overrides });
}

describe('"Mot de passe oublié" cannot flood a parent', () => {
  it('sends 3 reset mails for 20 requests from two addresses, and answers every request alike', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const unknown = await post('/tarnos/mot-de-passe-oublie', '203.0.113.9', 'personne-inconnue');
    const pages: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ip = i % 2 === 0 ? '198.51.100.1' : '198.51.100.2';
      // The username, the email and its upper case all name the same recipient.
      const identifiant = [parent.username, parent.email, parent.email.toUpperCase()][i % 3]!;
      const res = await post('/tarnos/mot-de-passe-oublie', ip, identifiant);
      expect(res.status).toBe(200);
      pages.push(withoutToken(res.text));
    }
    // Sent, over budget, or no such account: the same page.
    expect(new Set([...pages, withoutToken(unknown.text)]).size).toBe(1);
    await t.deliverMail();
    const mails = smtp.to(parent.email);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.subject === 'Réinitialisation de votre mot de passe')).toBe(true);

    // The refused requests made no link: the last one mailed still works.
    const last = new URL(linksIn(mails.at(-1)!).find((l) => l.includes('reinitialiser-mot-de-passe'))!);
    expect((await t.agent().get(last.pathname + last.search)).status).toBe(200);

    // An hour later the parent can ask again.
    t.clock.advance(60 * 60 * 1000);
    await post('/tarnos/mot-de-passe-oublie', '198.51.100.3', parent.username);
    await t.deliverMail();
    expect(smtp.to(parent.email)).toHaveLength(4);
  });
});

describe('"Renvoyer le lien d\'activation" cannot flood a parent', () => {
  it('sends at most 3 activation mails in an hour, sign-up included, for 20 resends', async () => {
    const data = registration();
    expect(
      (await registerAccount({ pool: t.db.pool, clock: t.clock, config: t.config }, await town(t.db.pool, 'villennes'), data)).kind,
    ).toBe('created');
    const pages = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await post('/villennes/renvoyer-activation', i % 2 === 0 ? '198.51.100.1' : '198.51.100.2', data.email);
      expect(res.status).toBe(200);
      pages.add(withoutToken(res.text));
    }
    expect(pages.size).toBe(1);
    await t.deliverMail();
    const mails = smtp.to(data.email);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.subject === 'Activez votre espace famille')).toBe(true);
    // The last link mailed is the one that works.
    const last = new URL(linksIn(mails.at(-1)!).find((l) => l.includes('/activation?'))!);
    expect((await t.agent().get(last.pathname + last.search)).status).toBe(200);
  });

  it('holds for a pre-created account too, whose mail carries a new temporary password each time', async () => {
    const parent = await createParent(t.db.pool, 'tarnos', { createdVia: 'precreated', emailConfirmed: false });
    for (let i = 0; i < 10; i++) await post('/tarnos/renvoyer-activation', '198.51.100.1', parent.email);
    await t.deliverMail();
    expect(smtp.to(parent.email)).toHaveLength(3);
  });
});

describe('signing up with an address already in use', () => {
  it('tells its owner at most 3 times an hour, and the wizard answers "created" each time', async () => {
    const first = registration();
    const ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
    const villennes = await town(t.db.pool, 'villennes');
    await registerAccount(ctx, villennes, first);
    for (let i = 0; i < 10; i++) {
      expect((await registerAccount(ctx, villennes, registration({ email: first.email }))).kind).toBe('created');
    }
    await t.deliverMail();
    const exists = smtp.to(first.email).filter((m) => m.subject === 'Vous avez déjà un espace famille');
    expect(exists).toHaveLength(3);
  });
});

describe("asking to change one's email to someone else's address", () => {
  it('mails that address at most 3 times an hour, whoever asks, and answers "sent" each time', async () => {
    const victim = `victime.${Math.random().toString(36).slice(2, 6)}@example.fr`;
    const ctx = { pool: t.db.pool, clock: t.clock, config: t.config };
    const tarnos = await town(t.db.pool, 'tarnos');
    for (let i = 0; i < 6; i++) {
      const asker = await createParent(t.db.pool, 'tarnos');
      expect((await requestEmailChange(ctx, tarnos, asker, victim, asker.password)).kind).toBe('sent');
    }
    await t.deliverMail();
    expect(smtp.to(victim)).toHaveLength(3);
  });
});
