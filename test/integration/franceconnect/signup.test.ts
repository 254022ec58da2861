import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { csrfFrom } from '../../helpers/app.js';
import { ADRESSE, authentification, CONTACT, postIdentite, postStep, textOf } from '../signup/signup-helpers.js';
import { enableFranceConnect, servedTestApp, signedIn, throughDevProvider } from './helpers.js';

/**
 * Issue 18: "Créer mon espace" from FranceConnect. IDENTITÉ starts with what FranceConnect
 * certified, which the parent cannot change; the email still needs its link; then the
 * button opens the new account.
 */
let t: Awaited<ReturnType<typeof servedTestApp>>;
beforeAll(async () => {
  t = await servedTestApp();
  await enableFranceConnect(t, 'tarnos');
});
afterAll(async () => t.stop());

describe('creating an account from FranceConnect', () => {
  it('fills and locks IDENTITÉ, links the identity to the new account, and waits for the email link', async () => {
    const agent = t.browser();
    await agent.get(await throughDevProvider(agent, t.base, 'tarnos', 'fc-angela-dubois'));
    const firstUse = await agent.get(urls.franceConnectFirstUse('tarnos'));
    const start = await agent
      .post(urls.franceConnectSignup('tarnos'))
      .type('form')
      .send({ _csrf: csrfFrom(firstUse.text) });
    expect(start.status).toBe(303);
    expect(start.headers.location).toBe(urls.signupStep('tarnos', 'identite'));

    const identite = await agent.get(urls.signupStep('tarnos', 'identite'));
    const text = textOf(identite.text);
    expect(text).toContain('Fourni par FranceConnect');
    expect(text).toContain('Angela Claire Louise');
    expect(text).toContain('24/08/1962');
    // The certified fields are not inputs; the usual name is suggested and editable.
    expect(identite.text).not.toContain('id="prenoms"');
    expect(identite.text).toMatch(/id="nomUsuel"[^>]*value="DUBOIS"/);

    const token = csrfFrom(identite.text);
    // A forged first name and birth date are ignored.
    const posted = await postIdentite(agent, 'tarnos', token, {
      nomUsuel: 'DUBOIS',
      prenoms: 'Mallory',
      dateNaissanceAnnee: '2001',
      communeNaissance: 'Paris',
    });
    expect(posted.status).toBe(303);
    expect((await postStep(agent, 'tarnos', 'adresse', token, ADRESSE)).status).toBe(303);
    const email = `angela.${Date.now()}@exemple.fr`;
    expect((await postStep(agent, 'tarnos', 'contact', token, { ...CONTACT, courriel: email })).status).toBe(303);
    await agent.get(urls.signupStep('tarnos', 'authentification'));
    const done = await postStep(agent, 'tarnos', 'authentification', token, authentification({ nomUtilisateur: 'ADUBOIS' }));
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(urls.signupDone('tarnos'));

    const { rows } = await t.db.pool.query(
      `select a.id, a.first_names, a.birth_date, a.civility, a.email_confirmed_at, i.sub
         from accounts a left join franceconnect_identities i on i.account_id = a.id where a.email = $1`,
      [email],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        first_names: 'Angela Claire Louise',
        birth_date: '1962-08-24',
        civility: 'Mme',
        sub: 'fc-angela-dubois',
        email_confirmed_at: null,
      }),
    ]);

    // Before the email's link, the button opens nothing and says why.
    const early = t.browser();
    const refused = await early.get(await throughDevProvider(early, t.base, 'tarnos', 'fc-angela-dubois'));
    expect(refused.status).toBe(403);
    expect(textOf(refused.text)).toContain('Votre adresse courriel n’est pas encore confirmée'.replace('’', "'"));
    expect(await signedIn(early, 'tarnos')).toBe(false);

    const mail = await t.db.pool.query<{ text: string }>(
      `select text_body as text from mail_outbox where to_address = $1 and template = 'activation'`,
      [email],
    );
    const link = /https?:\/\/\S+\/activation\?jeton=[A-Za-z0-9_-]+/.exec(mail.rows[0]!.text)![0];
    const activated = await t.browser().get(new URL(link).pathname + new URL(link).search);
    expect(activated.status).toBeLessThan(400);

    const later = t.browser();
    const back = await later.get(await throughDevProvider(later, t.base, 'tarnos', 'fc-angela-dubois'));
    expect(back.headers.location).toBe(urls.dashboard('tarnos'));
    expect(await signedIn(later, 'tarnos')).toBe(true);
  });
});
