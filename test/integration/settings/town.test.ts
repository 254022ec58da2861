import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { town } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import {
  authentification,
  fieldErrorOf,
  fillUntil,
  inputValue,
  stepUrl,
  summaryOf,
  textOf,
  titleOf,
  uniqueUsername,
  validate,
} from '../signup/signup-helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from './helpers.js';

let t: TestApp;
let admin: SignedInAgent;
const PAGE = '/tarnos/agents/parametres/commune';
const PASSWORDS = '/tarnos/agents/parametres/mots-de-passe';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  admin = await signedIn(t, 'tarnos', 'admin');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const VALID = { nom: 'Ville de Tarnos', couleur: '#00703C', accueil: 'Bienvenue.\r\n\r\nDeuxième paragraphe.', action: 'enregistrer' };

describe('name, colour and welcome text', () => {
  it('shows the current values and the colour’s contrast in words', async () => {
    const page = await admin.agent.get(PAGE);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe('Nom, couleur et accueil – Ville de Tarnos – Espace Famille');
    const tarnos = await town(t.db.pool, 'tarnos');
    expect(inputValue(page.text, 'nom')).toBe(tarnos.name);
    expect(inputValue(page.text, 'couleur')).toBe(tarnos.colour);
    expect(parse(page).attrs('[fill]', 'fill')).toContain(tarnos.colour);
    expect(textOf(page.text)).toMatch(/contraste de \d+,\d\d:1 avec le texte blanc, suffisant \(au moins 4,5:1 demandé\)/);
    expect(textOf(page.text)).toContain('son contraste avec le blanc doit atteindre au moins 4,5:1');
  });

  it('saves, shows the new name and colour at once, and writes what changed to the audit log', async () => {
    const before = await town(t.db.pool, 'tarnos');
    const res = await post(admin, PAGE, VALID);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/parametres');
    const overview = await admin.agent.get('/tarnos/agents/parametres');
    expect(overview.text).toContain('Le nom, la couleur et le texte d’accueil ont été enregistrés.');
    const tarnos = await town(t.db.pool, 'tarnos');
    expect(tarnos).toMatchObject({ colour: '#00703c', welcomeText: 'Bienvenue.\n\nDeuxième paragraphe.' });

    // The town row is cached per process: the change shows on the very next request.
    const home = await t.agent().get('/tarnos/');
    expect(parse(home).attrs('link[rel="stylesheet"]', 'href')).toContain('/tarnos/theme.css?v=00703c');
    expect(home.text).toContain('Bienvenue.\n\nDeuxième paragraphe.');
    expect((await t.agent().get('/tarnos/theme.css')).text).toContain('--town-colour:#00703c;');

    const [row] = await auditRows(t, admin.id, 'settings.update');
    expect(row!.target_type).toBe('town');
    expect(row!.ip).toBeTruthy();
    expect(row!.details).toMatchObject({ section: 'town', changes: { colour: { from: before.colour, to: '#00703c' } } });
    expect(row!.details.changes).toHaveProperty('welcomeText');
    expect(row!.details.changes).not.toHaveProperty('name');
  });

  it('renames the town in every page’s header at once', async () => {
    expect((await post(admin, PAGE, { ...VALID, nom: 'Commune de Tarnos' })).status).toBe(303);
    expect(titleOf((await t.agent().get('/tarnos/')).text)).toBe('Accueil – Commune de Tarnos – Espace Famille');
    expect((await post(admin, PAGE, VALID)).status).toBe(303);
  });

  it('saving the same values changes nothing and logs nothing', async () => {
    const before = (await auditRows(t, admin.id)).length;
    expect((await post(admin, PAGE, VALID)).status).toBe(303);
    expect((await admin.agent.get('/tarnos/agents/parametres')).text).toContain('Aucune modification à enregistrer.');
    expect((await auditRows(t, admin.id)).length).toBe(before);
  });

  it('refuses a colour too light for white text, says why, and previews it with its ratio', async () => {
    const before = await town(t.db.pool, 'tarnos');
    const res = await post(admin, PAGE, { ...VALID, nom: 'Tarnos en jaune', couleur: '#FFCC00' });
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toMatch(/^Erreur : Nom, couleur et accueil/);
    const [[field, message]] = summaryOf(res.text) as [[string, string]];
    expect(field).toBe('couleur');
    expect(message).toContain('La couleur #ffcc00 est trop claire : le texte blanc de l’en-tête et des boutons n’y serait pas lisible');
    expect(message).toContain('contraste de 1,51:1 avec le blanc, il faut au moins 4,5:1');
    expect(message).toMatch(/par exemple #[0-9a-f]{6}$/);
    expect(fieldErrorOf(res.text, 'couleur')).toBe(message);
    expect(parse(res).one('#couleur').attr('aria-invalid')).toBe('true');
    expect(inputValue(res.text, 'couleur')).toBe('#FFCC00');
    expect(inputValue(res.text, 'nom')).toBe('Tarnos en jaune');
    expect(parse(res).attrs('[fill]', 'fill')).toContain('#ffcc00');
    expect(textOf(res.text)).toContain('Couleur #ffcc00 : contraste de 1,51:1 avec le texte blanc, insuffisant (au moins 4,5:1 demandé).');
    expect(await town(t.db.pool, 'tarnos')).toEqual(before);
  });

  it('accepts the suggested darker colour', async () => {
    const res = await post(admin, PAGE, { ...VALID, couleur: '#ffcc00' });
    const suggestion = /par exemple (#[0-9a-f]{6})/.exec(summaryOf(res.text)[0]![1])![1]!;
    expect((await post(admin, PAGE, { ...VALID, couleur: suggestion })).status).toBe(303);
    expect((await town(t.db.pool, 'tarnos')).colour).toBe(suggestion);
    expect((await post(admin, PAGE, VALID)).status).toBe(303);
  });

  it.each([
    ['nom', { nom: '  ' }, 'Saisissez le nom de la commune'],
    ['nom', { nom: 'x'.repeat(121) }, 'Le nom doit contenir 120 caractères au maximum'],
    ['couleur', { couleur: '' }, 'Saisissez la couleur de la commune, par exemple #1f4e79'],
    ['couleur', { couleur: 'bleu' }, 'Saisissez la couleur au format #rrggbb'],
    ['couleur', { couleur: '#fff' }, 'Saisissez la couleur au format #rrggbb'],
    ['couleur', { couleur: '#1f4e79;}body{display:none' }, 'Saisissez la couleur au format #rrggbb'],
    ['couleur', { couleur: '#777777' }, 'contraste de 4,47:1'],
    ['accueil', { accueil: 'x'.repeat(2001) }, 'Le texte d’accueil doit contenir 2 000 caractères au maximum'],
  ])('refuses an invalid %s (case %#)', async (field, override, message) => {
    const before = await town(t.db.pool, 'tarnos');
    const res = await post(admin, PAGE, { ...VALID, ...override });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text).map(([f]) => f)).toEqual([field]);
    expect(fieldErrorOf(res.text, field)).toContain(message);
    expect(await town(t.db.pool, 'tarnos')).toEqual(before);
  });

  it('answers a tampered form (missing fields, repeated fields) with the form, never a 500', async () => {
    const res = await admin.agent
      .post(PAGE)
      .type('form')
      .send(`_csrf=${encodeURIComponent(admin.token)}&nom=A&nom=B&couleur[x]=1`);
    expect(res.status).toBe(400);
    expect(summaryOf(res.text).map(([f]) => f)).toEqual(['couleur']);
    const empty = await post(admin, PAGE, {});
    expect(empty.status).toBe(400);
    expect(summaryOf(empty.text).map(([f]) => f)).toEqual(['nom', 'couleur']);
  });

  it('previews a colour without saving it', async () => {
    const before = await town(t.db.pool, 'tarnos');
    const res = await post(admin, PAGE, { ...VALID, couleur: '#5a2d82', action: 'apercu' });
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toMatch(/Voici l’aperçu de la couleur #5a2d82 ?\. Rien n’est encore enregistré\./);
    expect(parse(res).attrs('[fill]', 'fill')).toContain('#5a2d82');
    expect(inputValue(res.text, 'couleur')).toBe('#5a2d82');
    expect(await town(t.db.pool, 'tarnos')).toEqual(before);
  });
});

describe('password policy and activation delay', () => {
  const RULES = { longueurMin: '12', chiffre: 'oui', delaiActivation: '72' };

  it('shows the current policy, and the rules that always apply', async () => {
    const page = await admin.agent.get(PASSWORDS);
    expect(page.status).toBe(200);
    expect(inputValue(page.text, 'longueurMin')).toBe('8');
    for (const box of ['majuscule', 'minuscule', 'chiffre']) expect(parse(page).checked(box), box).toEqual(['oui']);
    expect(inputValue(page.text, 'delaiActivation')).toBe('48');
    const text = textOf(page.text);
    expect(text).toContain('128 caractères au maximum');
    expect(text).toContain('pas un mot de passe courant');
    expect(text).toContain('ne pas contenir le nom d’utilisateur');
    expect(text).toContain('Par défaut : 48 heures ouvrées');
  });

  it.each([
    ['longueurMin', { longueurMin: '7' }, 'La longueur minimale doit être un nombre entier entre 8 et 64'],
    ['longueurMin', { longueurMin: '65' }, 'La longueur minimale doit être un nombre entier entre 8 et 64'],
    ['longueurMin', { longueurMin: 'douze' }, 'La longueur minimale doit être un nombre entier entre 8 et 64'],
    ['longueurMin', { longueurMin: '8.5' }, 'La longueur minimale doit être un nombre entier entre 8 et 64'],
    ['longueurMin', { longueurMin: '' }, 'La longueur minimale doit être un nombre entier entre 8 et 64'],
    ['delaiActivation', { delaiActivation: '0' }, 'Le délai d’activation doit être un nombre entier d’heures ouvrées entre 1 et 720'],
    ['delaiActivation', { delaiActivation: '721' }, 'Le délai d’activation doit être un nombre entier d’heures ouvrées entre 1 et 720'],
    ['delaiActivation', { delaiActivation: '-48' }, 'Le délai d’activation doit être un nombre entier d’heures ouvrées entre 1 et 720'],
  ])('refuses an invalid %s (case %#), keeping what was typed', async (field, override, message) => {
    const before = await town(t.db.pool, 'tarnos');
    const res = await post(admin, PASSWORDS, { ...RULES, majuscule: 'oui', ...override });
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toMatch(/^Erreur : Mots de passe et activation des comptes/);
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, field)).toBe(message);
    expect(inputValue(res.text, field)).toBe(Object.values(override)[0]);
    expect(parse(res).checked('majuscule')).toEqual(['oui']);
    expect(parse(res).checked('minuscule')).toEqual([]);
    expect(await town(t.db.pool, 'tarnos')).toEqual(before);
  });

  it('applies a new policy to what the sign-up wizard states and checks, at once', async () => {
    const res = await post(admin, PASSWORDS, RULES);
    expect(res.status).toBe(303);
    const tarnos = await town(t.db.pool, 'tarnos');
    expect(tarnos.passwordPolicy).toEqual({ minLength: 12, upper: false, lower: false, digit: true });
    expect(tarnos.activationDelayHours).toBe(72);
    const [row] = await auditRows(t, admin.id, 'settings.update').then((rows) => rows.filter((r) => r.details.section === 'accounts'));
    expect(row!.details.changes).toEqual({
      passwordPolicy: {
        from: { minLength: 8, upper: true, lower: true, digit: true },
        to: { minLength: 12, upper: false, lower: false, digit: true },
      },
      activationDelayHours: { from: 48, to: 72 },
    });
    expect((await admin.agent.get('/tarnos/agents/parametres')).text).toContain(
      'Votre mot de passe doit contenir au moins 12 caractères dont 1 chiffre',
    );

    const { agent, token } = await fillUntil(t, 'authentification');
    const page = await agent.get(stepUrl('tarnos', 'authentification'));
    const hint = parse(page).one('p.hint#motDePasse-hint').text();
    expect(hint).toContain('au moins 12 caractères dont 1 chiffre');
    expect(hint).not.toContain('majuscule');

    const short = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), motDePasse: 'Ecole-2026', confirmationMotDePasse: 'Ecole-2026' }),
    );
    expect(short.status).toBe(400);
    expect(fieldErrorOf(short.text, 'motDePasse')).toBe('Le mot de passe doit contenir au moins 12 caractères');

    // No uppercase any more: refused by the old policy, accepted by the new one.
    const lower = 'ecoles-vertes-2026';
    const ok = await validate(
      agent,
      'tarnos',
      token,
      authentification({ nomUtilisateur: uniqueUsername(), motDePasse: lower, confirmationMotDePasse: lower }),
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/tarnos/creer-mon-espace/confirmation');
  });

  it('the database refuses a policy out of bounds, whatever writes it', async () => {
    const { id } = await town(t.db.pool, 'tarnos');
    for (const policy of [
      { minLength: 7, upper: false, lower: false, digit: false },
      { minLength: 65, upper: false, lower: false, digit: false },
      { minLength: 8, upper: 'yes', lower: false, digit: false },
      { minLength: 8, lower: false, digit: false },
    ]) {
      await expect(t.db.pool.query(`update towns set password_policy = $2 where id = $1`, [id, policy])).rejects.toThrow(
        /towns_password_policy_check/,
      );
    }
  });
});
