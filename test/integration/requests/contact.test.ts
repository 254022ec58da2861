import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, GOOD_PASSWORD } from '../../helpers/fixtures.js';
import { linksIn, TestSmtpServer } from '../../helpers/smtp.js';
import { postForm, requestRow, signedInAgent, signedInFamily } from './helpers.js';

/**
 * Coordonnées (seed 004): each change applies to the account at once and reaches the
 * services as a request; a new email address only once confirmed from its mailbox, the
 * old address told.
 */

let t: TestApp;
const smtp = new TestSmtpServer();
beforeAll(async () => {
  await smtp.start();
  t = await createTestApp({ now: '2026-11-23T09:00:00Z', smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T09:00:00Z');
});

async function latestRequest(accountId: string) {
  const { rows } = await t.db.pool.query(`select * from requests where account_id = $1 order by created_at desc, id limit 1`, [accountId]);
  return rows[0];
}

const ADDRESS = {
  numero: '14',
  nomVoie: 'Boulevard Jacques Duclos',
  batiment: '',
  appartement: '',
  complement: '',
  codePostal: '40220',
  ville: 'Tarnos',
  pays: 'France',
};

describe('Changement d’adresses postales', () => {
  it('changes the account at once, sends a request, and the family file follows when the services accept', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'TOULEMONDE');
    const index = await agent.get('/tarnos/mon-espace/coordonnees');
    expect(index.text).toContain("Changement d'adresses postales");
    expect(index.text).toContain('Changement de courriels');
    expect(index.text).toContain('Changement de téléphones');
    const res = await postForm(agent, '/tarnos/mon-espace/coordonnees/adresse', '/tarnos/mon-espace/coordonnees/adresse', ADDRESS);
    expect(res.status).toBe(303);
    const { rows } = await t.db.pool.query(`select address_number, address_street, postal_code, city from accounts where id = $1`, [
      fam.parent.id,
    ]);
    expect(rows[0]).toEqual({ address_number: '14', address_street: 'Boulevard Jacques Duclos', postal_code: '40220', city: 'Tarnos' });
    const request = await latestRequest(fam.parent.id);
    expect(request.type).toBe('contact_change');
    expect(request.status).toBe('sent');
    expect(request.payload.changes.map((c: { label: string; after: string }) => `${c.label}: ${c.after}`)).toEqual([
      'Numéro: 14',
      'Nom de la voie: Boulevard Jacques Duclos',
      'Code postal: 40220',
      'Ville: Tarnos',
    ]);
    // The dashboard shows the new address.
    expect((await agent.get('/tarnos/mon-espace')).text).toContain('14 Boulevard Jacques Duclos');

    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${request.id}`;
    expect((await back.get(page)).text).toContain('reporte la nouvelle adresse sur le dossier famille');
    await postForm(back, page, `${page}/statut`, { action: 'accepter' });
    const family = await t.db.pool.query(`select address_line, postal_code, city from families where id = $1`, [fam.familyId]);
    expect(family.rows[0]).toEqual({ address_line: '14, Boulevard Jacques Duclos', postal_code: '40220', city: 'Tarnos' });
  });

  it('sends nothing when nothing changed, and refuses invalid input (400, field, values kept) and a missing token (403)', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'PASCAL');
    const path = '/tarnos/mon-espace/coordonnees/adresse';
    const same = await postForm(agent, path, path, { ...ADDRESS, numero: '', nomVoie: '', codePostal: '', ville: '' });
    expect(same.status).toBe(303);
    expect(parse(await agent.get(same.headers.location!)).text()).toContain("Votre adresse n'a pas changé");
    for (const [body, field, message] of [
      [{ ...ADDRESS, codePostal: '4022' }, 'codePostal', 'Le code postal doit comporter 5 chiffres'],
      [{ ...ADDRESS, codePostal: '99123' }, 'codePostal', "Le code postal doit commencer par le numéro d'un département"],
      [{ ...ADDRESS, ville: 'T'.repeat(101) }, 'ville', 'La ville doit comporter 100 caractères au maximum'],
      [{ ...ADDRESS, nomVoie: 'rue\r\nHost: x' }, 'nomVoie', "Le nom de la voie contient un caractère qui n'est pas accepté"],
    ] as const) {
      const res = await postForm(agent, path, path, body);
      expect(res.status, field).toBe(400);
      const refused = parse(res);
      expect(refused.errorSummary().find((e) => e.field === field)?.message).toContain(message);
      expect(refused.title()).toMatch(/^Erreur : /);
      expect(refused.fieldValue('numero')).toBe('14');
    }
    expect((await agent.post(path).type('form').send(ADDRESS)).status).toBe(403);
    expect(await latestRequest(fam.parent.id)).toBeUndefined();
  });
});

describe('Changement de téléphones', () => {
  it('changes the numbers at once (normalised) and sends a request with the old and new values', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'GARNIER', 'Emma', { parent: { mobile: '06 34 25 86 15' } });
    const form = await agent.get('/tarnos/mon-espace/coordonnees/telephones');
    expect(parse(form).fieldValue('mobile')).toBe('06 34 25 86 15');
    const res = await agent
      .post('/tarnos/mon-espace/coordonnees/telephones')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), telephone: '', mobile: '0612345678', fax: '', moyenContactPrefere: 'mobile' });
    expect(res.status).toBe(303);
    expect((await t.db.pool.query(`select mobile, preferred_contact from accounts where id = $1`, [fam.parent.id])).rows[0]).toEqual({
      mobile: '06 12 34 56 78',
      preferred_contact: 'mobile',
    });
    const request = await latestRequest(fam.parent.id);
    expect(request.summary).toBe('Changement de téléphones');
    expect(request.payload.changes).toContainEqual({ field: 'mobile', label: 'Mobile', before: '06 34 25 86 15', after: '06 12 34 56 78' });
    const detail = await agent.get(`/tarnos/mon-espace/demandes/${request.id}`);
    expect(detail.text).toContain('06 34 25 86 15');
    expect(detail.text).toContain('06 12 34 56 78');
  });

  it('refuses an invalid number, a preferred means without its number, and a missing token', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'FONTAINE');
    const path = '/tarnos/mon-espace/coordonnees/telephones';
    const bad = await postForm(agent, path, path, { telephone: 'douze', mobile: '', fax: '', moyenContactPrefere: 'courriel' });
    expect(bad.status).toBe(400);
    expect(
      parse(bad)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('telephone');
    expect(parse(bad).fieldValue('telephone')).toBe('douze');
    const means = await postForm(agent, path, path, { telephone: '', mobile: '', fax: '', moyenContactPrefere: 'fax' });
    expect(means.status).toBe(400);
    expect(means.text).toContain('Saisissez votre numéro de fax, ou choisissez un autre moyen de contact préféré');
    expect(
      parse(means)
        .errorSummary()
        .map((e) => e.field),
    ).not.toContain('courriel');
    expect(means.text).not.toContain('href="#courriel"');
    expect((await agent.post(path).type('form').send({ mobile: '0612345678', moyenContactPrefere: 'mobile' })).status).toBe(403);
    expect(await latestRequest(fam.parent.id)).toBeUndefined();
  });
});

describe('Changement de courriels', () => {
  it('uses the new address only once its owner follows the link; the old address is told; the services receive the change', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'LAMBERT');
    const oldEmail = fam.parent.email;
    const path = '/tarnos/mon-espace/coordonnees/courriel';
    const res = await postForm(agent, path, path, { nouveauCourriel: ' Nouvelle.Adresse@Example.FR ', motDePasse: GOOD_PASSWORD });
    expect(res.status).toBe(303);
    const flash = await agent.get(res.headers.location!);
    expect(flash.text).toContain('nouvelle.adresse@example.fr');
    // Nothing changes yet.
    expect((await t.db.pool.query(`select email from accounts where id = $1`, [fam.parent.id])).rows[0].email).toBe(oldEmail);
    expect((await agent.get('/tarnos/mon-espace')).text).toContain(
      'Nouvelle adresse en attente de confirmation : nouvelle.adresse@example.fr',
    );

    await t.deliverMail();
    const toNew = smtp.to('nouvelle.adresse@example.fr');
    expect(toNew.map((m) => m.subject)).toEqual(['Confirmez votre nouvelle adresse de courriel']);
    const notice = smtp.to(oldEmail).find((m) => m.subject === 'Demande de changement de votre adresse de courriel');
    expect(notice?.text).toContain('nouvelle.adresse@example.fr');
    const link = linksIn(toNew[0]!).find((l) => l.includes('/confirmer-courriel'))!;
    expect(link).toMatch(/^http:\/\/portail\.test\/tarnos\/confirmer-courriel\?jeton=/);

    // Opened from another browser (the new mailbox's), signed in or not: a page, then a click.
    const mailbox = t.agent();
    const url = link.replace('http://portail.test', '');
    const page = await mailbox.get(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('nouvelle.adresse@example.fr');
    // Following the link alone changes nothing (a mail scanner may open it).
    expect((await t.db.pool.query(`select email from accounts where id = $1`, [fam.parent.id])).rows[0].email).toBe(oldEmail);
    const jeton = new URL(link).searchParams.get('jeton')!;
    const done = await mailbox
      .post('/tarnos/confirmer-courriel')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), jeton });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Adresse confirmée');
    const account = (await t.db.pool.query(`select email, email_confirmed_at from accounts where id = $1`, [fam.parent.id])).rows[0];
    expect(account.email).toBe('nouvelle.adresse@example.fr');

    await t.deliverMail();
    expect(smtp.to(oldEmail).map((m) => m.subject)).toContain('Votre adresse de courriel a été changée');
    // The services receive the change; its acknowledgement goes to the new address.
    const request = await latestRequest(fam.parent.id);
    expect(request.summary).toBe('Changement de courriel');
    expect(request.payload.changes).toEqual([
      { field: 'email', label: 'Courriel', before: oldEmail, after: 'nouvelle.adresse@example.fr' },
    ]);
    expect(smtp.to('nouvelle.adresse@example.fr').map((m) => m.subject)).toContain('Votre demande a bien été envoyée');
    // Signing in with the new address works; the link works once.
    expect((await signIn(t.agent(), 'tarnos', 'nouvelle.adresse@example.fr', GOOD_PASSWORD)).status).toBe(303);
    const again = await t.agent().get(url);
    expect(again.status).toBe(410);
    expect(again.text).toContain('Ce lien a déjà servi');
  });

  it('expires the link after 30 minutes, and a newer request replaces it', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'ROBIN');
    const path = '/tarnos/mon-espace/coordonnees/courriel';
    await postForm(agent, path, path, { nouveauCourriel: 'robin.premier@example.fr', motDePasse: GOOD_PASSWORD });
    await postForm(agent, path, path, { nouveauCourriel: 'robin.second@example.fr', motDePasse: GOOD_PASSWORD });
    await t.deliverMail();
    const first = linksIn(smtp.to('robin.premier@example.fr')[0]!)
      .find((l) => l.includes('jeton'))!
      .replace('http://portail.test', '');
    const second = linksIn(smtp.to('robin.second@example.fr')[0]!)
      .find((l) => l.includes('jeton'))!
      .replace('http://portail.test', '');
    expect((await t.agent().get(first)).status).toBe(404);
    t.clock.advance(29 * 60 * 1000);
    expect((await t.agent().get(second)).status).toBe(200);
    t.clock.advance(2 * 60 * 1000);
    const expired = await t.agent().get(second);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('Ce lien a expiré');
    const jeton = new URL(`http://x${second}`).searchParams.get('jeton')!;
    const mailbox = t.agent();
    const csrf = csrfFrom((await mailbox.get('/tarnos/')).text);
    expect((await mailbox.post('/tarnos/confirmer-courriel').type('form').send({ _csrf: csrf, jeton })).status).toBe(410);
    expect((await t.db.pool.query(`select email from accounts where id = $1`, [fam.parent.id])).rows[0].email).toBe(fam.parent.email);
    for (const bad of ['', 'x', 'a'.repeat(500)]) {
      expect((await t.agent().get(`/tarnos/confirmer-courriel?jeton=${bad}`)).status).toBe(404);
    }
    // A token of Tarnos opens nothing at Bayeux.
    await postForm(agent, path, path, { nouveauCourriel: 'robin.troisieme@example.fr', motDePasse: GOOD_PASSWORD });
    await t.deliverMail();
    const third = linksIn(smtp.to('robin.troisieme@example.fr')[0]!)
      .find((l) => l.includes('jeton'))!
      .replace('http://portail.test', '');
    expect((await t.agent().get(third.replace('/tarnos/', '/bayeux/'))).status).toBe(404);
  });

  it('asks for the current password, refuses invalid or same addresses, and tells the owner of an address already used', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'COLIN');
    const path = '/tarnos/mon-espace/coordonnees/courriel';
    const wrong = await postForm(agent, path, path, { nouveauCourriel: 'colin.nouveau@example.fr', motDePasse: 'Pas-Le-Bon-1' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Le mot de passe est incorrect');
    expect(parse(wrong).fieldValue('nouveauCourriel')).toBe('colin.nouveau@example.fr');
    expect(wrong.text).not.toContain('Pas-Le-Bon-1');
    const invalid = await postForm(agent, path, path, { nouveauCourriel: 'colin@', motDePasse: GOOD_PASSWORD });
    expect(invalid.status).toBe(400);
    expect(
      parse(invalid)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('nouveauCourriel');
    expect(invalid.text).not.toContain(GOOD_PASSWORD);
    const empty = await postForm(agent, path, path, { nouveauCourriel: '', motDePasse: '' });
    expect(empty.text).toContain('Saisissez votre nouvelle adresse de courriel');
    expect(empty.text).toContain('Saisissez votre mot de passe actuel');
    const same = await postForm(agent, path, path, { nouveauCourriel: fam.parent.email.toUpperCase(), motDePasse: GOOD_PASSWORD });
    expect(same.status).toBe(400);
    expect(same.text).toContain('Saisissez une adresse différente de votre adresse actuelle');
    expect((await agent.post(path).type('form').send({ nouveauCourriel: 'x@example.fr', motDePasse: GOOD_PASSWORD })).status).toBe(403);

    const other = await createParent(t.db.pool, 'tarnos');
    const taken = await postForm(agent, path, path, { nouveauCourriel: other.email, motDePasse: GOOD_PASSWORD });
    expect(taken.status).toBe(303);
    await t.deliverMail();
    const mails = smtp.to(other.email);
    expect(mails.map((m) => m.subject)).toEqual(['Cette adresse a déjà un espace famille']);
    expect(linksIn(mails[0]!).some((l) => l.includes('jeton'))).toBe(false);
    const { rows } = await t.db.pool.query(
      `select count(*)::int as n from account_tokens where account_id = $1 and purpose = 'email_change' and payload = $2`,
      [fam.parent.id, other.email],
    );
    expect(rows[0].n).toBe(0);
  });

  it('limits the attempts (the password cannot be guessed through this form)', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'GUERIN');
    const path = '/tarnos/mon-espace/coordonnees/courriel';
    let last = 0;
    for (let i = 0; i < 6; i++)
      last = (await postForm(agent, path, path, { nouveauCourriel: `g${i}@example.fr`, motDePasse: `Faux-${i}-mot` })).status;
    expect(last).toBe(429);
  });
});

describe('contact changes of an account without a family file', () => {
  it('are the account’s own requests, accepted without touching any family file', async () => {
    const parent = await createParent(t.db.pool, 'villennes', { validationStatus: 'awaiting_services', validatedAt: null });
    const agent = t.agent();
    await signIn(agent, 'villennes', parent.username, parent.password);
    const path = '/villennes/mon-espace/coordonnees/telephones';
    expect(
      (await postForm(agent, path, path, { telephone: '01 39 08 25 40', mobile: '', fax: '', moyenContactPrefere: 'telephone' })).status,
    ).toBe(303);
    const request = await latestRequest(parent.id);
    expect(request.family_id).toBeNull();
    expect((await agent.get(`/villennes/mon-espace/demandes/${request.id}`)).status).toBe(200);
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'villennes');
    const page = `/villennes/agents/demandes/${request.id}`;
    expect((await back.get(page)).text).toContain("Ce parent n'est rattaché à aucun dossier famille.");
    await postForm(back, page, `${page}/statut`, { action: 'accepter' });
    expect((await requestRow(t.db.pool, request.id)).status).toBe('accepted');
  });
});
