import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, familyByKey } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer, type ReceivedMail } from '../../helpers/smtp.js';

let t: TestApp;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  await smtp.start();
  t = await createTestApp({ now: '2026-11-23T10:00:00Z', smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T10:00:00Z');
});

async function agentOf(slug = 'tarnos') {
  const a = await createAgentFixture(t.db.pool, slug);
  const agent = t.agent();
  expect((await signInAgent(agent, slug, a.username, a.password)).status).toBe(303);
  return { agent, record: a };
}

function credentialsIn(mail: ReceivedMail) {
  return {
    username: /Nom d'utilisateur : (\S+)/.exec(mail.text)![1]!,
    password: /Mot de passe : (\S+)/.exec(mail.text)![1]!,
    link: new URL(linksIn(mail).find((l) => l.includes('/activation?'))!),
  };
}

let n = 0;
/** An adult of the Tarnos MARTIN file, added through the form. */
async function addAdult(agent: supertest.Agent, familyId: string, email: string, lastName = 'Martin') {
  const path = `/tarnos/agents/familles/${familyId}/adultes/nouveau`;
  const page = await agent.get(path);
  const res = await agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), civilite: 'Mme', nom: lastName, prenoms: 'Sophie', courriel: email, telephone: '' });
  expect(res.status).toBe(303);
  const { rows } = await t.db.pool.query<{ id: string }>(`select id from family_adults where family_id = $1 and email = $2`, [
    familyId,
    email,
  ]);
  return rows[0]!.id;
}

async function precreate(agent: supertest.Agent, familyId: string, adultId: string) {
  const path = `/tarnos/agents/familles/${familyId}/adultes/${adultId}/creation-rapide`;
  const page = await agent.get(path);
  expect(page.status).toBe(200);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) });
}

describe('Création rapide from a family file', () => {
  it('creates the account linked to the file, mails link, username and temporary password; resend cancels the previous ones', async () => {
    const { agent, record } = await agentOf();
    const martin = await familyByKey(t.db.pool, 'tarnos', '40220-MARTIN1');
    n += 1;
    const email = `sophie.martin${n}@example.fr`;
    const adultId = await addAdult(agent, martin.id, email);

    const confirm = await agent.get(`/tarnos/agents/familles/${martin.id}/adultes/${adultId}/creation-rapide`);
    expect(confirm.text).toContain(email);
    expect(confirm.text).toContain("Personne d'autre que le destinataire ne voit ce mot de passe");

    const res = await precreate(agent, martin.id, adultId);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/tarnos/agents/familles/${martin.id}`);
    const { rows } = await t.db.pool.query(
      `select a.id, a.family_id, a.created_via, a.validation_status, a.password_is_temporary, fa.account_id
         from accounts a join family_adults fa on fa.account_id = a.id where fa.id = $1`,
      [adultId],
    );
    expect(rows[0]).toMatchObject({
      family_id: martin.id,
      created_via: 'precreated',
      validation_status: 'validated',
      password_is_temporary: true,
    });
    const accountId = rows[0].id as string;
    const audit = await t.db.pool.query(`select agent_id, details from audit_log where action = 'account.precreate' and target_id = $1`, [
      accountId,
    ]);
    expect(audit.rows).toEqual([{ agent_id: record.id, details: { familyId: martin.id, adultId } }]);

    // The agent's pages never show the temporary password.
    const file = await agent.get(`/tarnos/agents/familles/${martin.id}`);
    expect(file.text).toContain('Création rapide : compte pas encore activé');
    expect(file.text).toContain('Renvoyer le courriel');

    await t.deliverMail();
    const first = credentialsIn(smtp.to(email).at(-1)!);
    expect(smtp.to(email).at(-1)!.subject).toBe('Votre espace famille a été créé');
    expect(first.username).toMatch(/^smartin\d*$/);
    expect(first.link.origin).toBe('http://portail.test');
    expect(file.text).not.toContain(first.password);
    expect((await agent.get(`/tarnos/agents/familles/${martin.id}`)).text).not.toContain(first.password);

    // Renvoyer le courriel: a new link and a new password; the previous ones stop working.
    t.clock.advance(10 * 60 * 1000);
    const page = await agent.get(`/tarnos/agents/familles/${martin.id}`);
    const resend = await agent
      .post(`/tarnos/agents/familles/${martin.id}/comptes/${accountId}/renvoyer-courriel`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(resend.status).toBe(303);
    expect((await agent.get(`/tarnos/agents/familles/${martin.id}`)).text).toContain('Un nouveau courriel de Création rapide est parti');
    expect(
      (
        await t.db.pool.query(`select count(*)::int as n from audit_log where action = 'account.precreate_resend' and target_id = $1`, [
          accountId,
        ])
      ).rows[0].n,
    ).toBe(1);
    await t.deliverMail();
    const mails = smtp.to(email);
    expect(mails).toHaveLength(2);
    const second = credentialsIn(mails[1]!);
    expect(second.username).toBe(first.username);
    expect(second.password).not.toBe(first.password);

    const old = await t.agent().get(first.link.pathname + first.link.search);
    expect(old.text).not.toContain('Votre espace est activé');
    expect((await signIn(t.agent(), 'tarnos', first.username, first.password)).status).toBe(401);

    const activated = await t.agent().get(second.link.pathname + second.link.search);
    expect(activated.text).toContain('Votre espace est activé');
    const parent = t.agent();
    const signed = await signIn(parent, 'tarnos', second.username, second.password);
    expect(signed.status).toBe(303);
    expect((await parent.get('/tarnos/mon-espace')).headers.location).toBe('/tarnos/mon-espace/modification-identifiants');
  });

  it('explains when the adult has no email, or when the email already has an account; nothing is created', async () => {
    const { agent } = await agentOf();
    const durand = await familyByKey(t.db.pool, 'tarnos', '40220-DURAND2');
    const noEmail = await addAdult(agent, durand.id, '', 'Sansmail');
    const page = await agent.get(`/tarnos/agents/familles/${durand.id}/adultes/${noEmail}/creation-rapide`);
    expect(page.text).toContain("n'a pas d'adresse de courriel");
    expect(page.text).not.toContain('Créer le compte et envoyer le courriel');
    const forced = await agent
      .post(`/tarnos/agents/familles/${durand.id}/adultes/${noEmail}/creation-rapide`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(forced.status).toBe(400);
    expect(parse(forced).title()).toMatch(/^Erreur : /);
    expect(forced.text).toContain('ajoutez-en une avant de créer son compte');

    const parent = await createParent(t.db.pool, 'tarnos');
    const taken = await addAdult(agent, durand.id, parent.email, 'Doublon');
    const before = (await t.db.pool.query(`select count(*)::int as n from accounts`)).rows[0].n;
    const res = await precreate(agent, durand.id, taken);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`L&#39;adresse ${parent.email} est déjà celle d&#39;un compte`);
    expect((await t.db.pool.query(`select count(*)::int as n from accounts`)).rows[0].n).toBe(before);
    expect((await t.db.pool.query(`select account_id from family_adults where id = $1`, [taken])).rows[0].account_id).toBeNull();
  });

  it('does not pre-create twice, and resends only for accounts still waiting for their first password', async () => {
    const { agent } = await agentOf();
    const martin = await familyByKey(t.db.pool, 'tarnos', '40220-MARTIN1');
    n += 1;
    const adultId = await addAdult(agent, martin.id, `double${n}@example.fr`, 'Double');
    expect((await precreate(agent, martin.id, adultId)).status).toBe(303);
    const again = await precreate(agent, martin.id, adultId);
    expect(again.status).toBe(303);
    expect((await agent.get(`/tarnos/agents/familles/${martin.id}`)).text).toContain('Cet adulte a déjà un compte');
    expect((await t.db.pool.query(`select count(*)::int as n from accounts where email = $1`, [`double${n}@example.fr`])).rows[0].n).toBe(
      1,
    );

    // An account made with the wizard and linked by the Clé Enfance: no Création rapide mail to send.
    const wizard = await createParent(t.db.pool, 'tarnos', { familyId: martin.id });
    const page = await agent.get(`/tarnos/agents/familles/${martin.id}`);
    expect(page.text).toContain(wizard.username);
    const res = await agent
      .post(`/tarnos/agents/familles/${martin.id}/comptes/${wizard.id}/renvoyer-courriel`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect((await agent.get(`/tarnos/agents/familles/${martin.id}`)).text).toContain('Ce compte n&#39;attend plus de courriel');
    // An account of another file is not found through this one.
    const durand = await familyByKey(t.db.pool, 'tarnos', '40220-DURAND2');
    const other = await agent
      .post(`/tarnos/agents/familles/${durand.id}/comptes/${wizard.id}/renvoyer-courriel`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(other.status).toBe(404);
  });
});
