import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listServices } from '../../../src/repositories/towns.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { town } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { fieldErrorOf, inputValue, summaryOf, textOf, titleOf } from '../signup/signup-helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from './helpers.js';

let t: TestApp;
let admin: SignedInAgent;
let townId: string;
const LIST = '/tarnos/agents/parametres/services';
const NEW = `${LIST}/nouveau`;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  admin = await signedIn(t, 'tarnos', 'admin');
  townId = (await town(t.db.pool, 'tarnos')).id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const names = async () => (await listServices(t.db.pool, townId)).map((s) => s.name);
/** The services' names as the town home shows them, in order. */
const homeNames = async () => parse(await t.agent().get('/tarnos/')).texts('h3.contact-card__name');

const VALID = {
  nom: 'Service Petite Enfance',
  adresse: '1 place de la Mairie, 40220 Tarnos',
  telephone: '0559643446',
  courriel: 'petite-enfance@ville-tarnos.fr',
};

describe('services and their contact details', () => {
  it('lists the services in the order of the town home, each with its actions named', async () => {
    const page = await admin.agent.get(LIST);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe('Services et coordonnées – Ville de Tarnos – Espace Famille');
    const listed = parse(page).texts('h2.settings-card__title');
    expect(listed).toEqual(await homeNames());
    expect(listed.length).toBeGreaterThan(0);
    const remove = parse(page)
      .all('button')
      .filter((_, b) => parse(page).$(b).text().startsWith('Supprimer'))
      .first();
    expect([remove.text(), remove.children('span.visually-hidden').text()]).toEqual([
      `Supprimer le service ${listed[0]}`,
      ` le service ${listed[0]}`,
    ]);
  });

  it('adds a service last, with its phone number written the French way, and audits it', async () => {
    const res = await post(admin, NEW, VALID);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(LIST);
    expect((await admin.agent.get(LIST)).text).toContain('Le service Service Petite Enfance a été ajouté.');
    const added = (await listServices(t.db.pool, townId)).at(-1)!;
    expect(added).toMatchObject({ name: VALID.nom, address: VALID.adresse, phone: '05 59 64 34 46', email: VALID.courriel });
    expect((await homeNames()).at(-1)).toBe(VALID.nom);
    expect(parse(await t.agent().get('/tarnos/')).links()).toContainEqual({ href: 'tel:0559643446', text: '05 59 64 34 46' });
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.target_id === added.id);
    expect(row!.details).toMatchObject({ section: 'services', added: { name: VALID.nom, phone: '05 59 64 34 46' } });
  });

  it.each([
    ['nom', { nom: '' }, 'Saisissez le nom du service'],
    ['nom', { nom: 'x'.repeat(121) }, 'Le nom doit contenir 120 caractères au maximum'],
    ['adresse', { adresse: 'x'.repeat(201) }, 'L’adresse doit contenir 200 caractères au maximum'],
    ['telephone', { telephone: 'abc' }, 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 34 46'],
    ['telephone', { telephone: '05 59' }, 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 34 46'],
    ['telephone', { telephone: '0559643446 poste 12' }, 'Saisissez un numéro de téléphone valide, par exemple 05 59 64 34 46'],
    ['courriel', { courriel: 'enfance@' }, 'Saisissez une adresse de courriel valide, par exemple enfance@mairie.fr'],
    ['courriel', { courriel: 'enfance mairie.fr' }, 'Saisissez une adresse de courriel valide, par exemple enfance@mairie.fr'],
    ['courriel', { courriel: 'a\r\nBcc: x@evil.test' }, 'Saisissez une adresse de courriel valide, par exemple enfance@mairie.fr'],
    ['courriel', { courriel: `${'a'.repeat(250)}@x.fr` }, 'L’adresse de courriel doit contenir 254 caractères au maximum'],
  ])('refuses an invalid %s (case %#), keeping what was typed', async (field, override, message) => {
    const before = await names();
    const values = { ...VALID, nom: 'Service Jeunesse', ...override };
    const res = await post(admin, NEW, values);
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toBe('Erreur : Ajouter un service – Ville de Tarnos – Espace Famille');
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, field)).toBe(message);
    // An HTML parser, like a browser, reads CR LF in an attribute as LF.
    expect(inputValue(res.text, 'courriel')).toBe(values.courriel.trim().replaceAll('\r\n', '\n'));
    expect(inputValue(res.text, 'telephone')).toBe(values.telephone);
    expect(await names()).toEqual(before);
  });

  it('refuses a name another service already has, whatever its case', async () => {
    const [first] = await names();
    const res = await post(admin, NEW, { ...VALID, nom: first!.toUpperCase() });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['nom', 'Un service de ce nom existe déjà : choisissez un autre nom']]);
    expect(inputValue(res.text, 'nom')).toBe(first!.toUpperCase());
  });

  it('edits a service, keeps its place, and audits what changed', async () => {
    const [first, second] = await listServices(t.db.pool, townId);
    const page = await admin.agent.get(`${LIST}/${first!.id}`);
    expect(page.status).toBe(200);
    expect(inputValue(page.text, 'nom')).toBe(first!.name);
    expect(inputValue(page.text, 'telephone')).toBe(first!.phone);

    const taken = await post(admin, `${LIST}/${first!.id}`, { nom: second!.name, adresse: '', telephone: '', courriel: '' });
    expect(taken.status).toBe(400);
    expect(titleOf(taken.text)).toMatch(/^Erreur : Modifier le service/);

    const res = await post(admin, `${LIST}/${first!.id}`, {
      nom: first!.name,
      adresse: first!.address,
      telephone: '+33 5 59 64 00 00',
      courriel: 'nouveau@ville-tarnos.fr',
    });
    expect(res.status).toBe(303);
    const [after] = await listServices(t.db.pool, townId);
    expect(after).toMatchObject({ id: first!.id, name: first!.name, phone: '05 59 64 00 00', email: 'nouveau@ville-tarnos.fr' });
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.target_id === first!.id);
    expect(row!.details).toEqual({
      section: 'services',
      service: first!.name,
      changes: { phone: { from: first!.phone, to: '05 59 64 00 00' }, email: { from: first!.email, to: 'nouveau@ville-tarnos.fr' } },
    });
  });

  it('refuses an invalid edit with the typed values and changes nothing', async () => {
    const [first] = await listServices(t.db.pool, townId);
    const res = await post(admin, `${LIST}/${first!.id}`, { nom: 'Nouveau nom', adresse: '', telephone: '12', courriel: '' });
    expect(res.status).toBe(400);
    expect(inputValue(res.text, 'nom')).toBe('Nouveau nom');
    expect((await listServices(t.db.pool, townId))[0]).toEqual(first);
  });

  it('moves a service up and down; the town home follows; the ends stay put', async () => {
    const before = await listServices(t.db.pool, townId);
    const last = before.at(-1)!;
    expect((await post(admin, `${LIST}/${last.id}/deplacer`, { sens: 'haut' })).status).toBe(303);
    const expected = before.map((s) => s.name);
    expected.splice(-2, 2, last.name, expected.at(-2)!);
    expect(await names()).toEqual(expected);
    expect(await homeNames()).toEqual(expected);
    expect((await admin.agent.get(LIST)).text).toContain(`Le service ${last.name} a été déplacé vers le haut.`);
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.details.moved === last.name);
    expect(row!.details).toMatchObject({ direction: 'up', position: before.length - 1 });

    const first = (await listServices(t.db.pool, townId))[0]!;
    expect((await post(admin, `${LIST}/${first.id}/deplacer`, { sens: 'haut' })).status).toBe(303);
    expect(await names()).toEqual(expected);
    expect((await post(admin, `${LIST}/${first.id}/deplacer`, { sens: 'bas' })).status).toBe(303);
    expect((await names())[1]).toBe(first.name);
    expect((await post(admin, `${LIST}/${first.id}/deplacer`, { sens: 'gauche' })).status).toBe(404);
  });

  it('removes a service from the town home, and audits what it held', async () => {
    const [first] = await listServices(t.db.pool, townId);
    const res = await post(admin, `${LIST}/${first!.id}/supprimer`);
    expect(res.status).toBe(303);
    expect((await admin.agent.get(LIST)).text).toContain(`Le service ${first!.name} a été supprimé.`);
    expect(await names()).not.toContain(first!.name);
    expect(await homeNames()).not.toContain(first!.name);
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.details.removed);
    expect(row!.details.removed).toEqual(first);
    expect((await post(admin, `${LIST}/${first!.id}/supprimer`)).status).toBe(404);
  });

  it('says so when there is no service left', async () => {
    for (const s of await listServices(t.db.pool, townId)) await post(admin, `${LIST}/${s.id}/supprimer`);
    expect(textOf((await admin.agent.get(LIST)).text)).toContain('Aucun service pour le moment.');
    expect(textOf((await admin.agent.get('/tarnos/agents/parametres')).text)).toContain(
      'Aucun service n’est affiché sur la page d’accueil.',
    );
  });
});
