import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createChild, createFamily } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { postForm, signedInAgent, signedInFamily } from '../requests/helpers.js';

/**
 * The diets and the PAI of a child's file (migration 0033), as the parent's Dossier
 * administratif and the agents' child form enter them: what the kitchen counts.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const DIET_COLUMNS = `select diet_no_pork, diet_vegetarian, diet_gluten_free, pai, pai_allergens from children where id = $1`;

async function dietOf(childId: string) {
  return (await t.db.pool.query(DIET_COLUMNS, [childId])).rows[0];
}

/** The page refuses the form: the message by the field and in the summary, what was typed kept. */
function expectRefused(res: supertest.Response, field: string, message: string) {
  expect(res.status, message).toBe(400);
  const p = parse(res);
  expect(p.title()).toMatch(/^Erreur : /);
  expect(p.errorSummary().map((e) => e.field)).toContain(field);
  expect(p.fieldError(field)).toContain(message);
  expect(p.one(`[id="${field}"]`).attr('aria-invalid')).toBe('true');
  return p;
}

const PARENT_DOSSIER = { ecole: 'École du Centre', classe: 'CP', droitImage: 'non', partSeul: 'non' };

describe("the parent's Dossier administratif", () => {
  it('saves each diet and the PAI, sends them to the services as a request, and shows them', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'REGIME', 'Lou');
    const path = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    const form = parse(await agent.get(path));
    expect(form.text('legend')).toContain('Régime alimentaire');
    expect(form.text('legend')).toContain("Projet d'accueil individualisé (PAI)");
    expect(form.label('regimeSansPorc')).toBe('Sans porc');
    expect(form.checked('pai')).toEqual([]);

    const res = await postForm(agent, path, path, {
      ...PARENT_DOSSIER,
      regimeSansPorc: 'oui',
      regimeVegetarien: 'oui',
      regimeSansGluten: 'oui',
      pai: 'oui',
      paiAllergenes: 'Arachide, kiwi',
    });
    expect(res.status).toBe(303);
    expect(await dietOf(fam.childId)).toEqual({
      diet_no_pork: true,
      diet_vegetarian: true,
      diet_gluten_free: true,
      pai: true,
      pai_allergens: 'Arachide, kiwi',
    });
    // The same request as the other fields of the dossier: each old and new value, for the services to acknowledge.
    const { rows } = await t.db.pool.query(`select type, payload from requests where child_id = $1`, [fam.childId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].type).toBe('child_update');
    const changes = rows[0].payload.changes.map((c: { label: string; before: string; after: string }) => [c.label, c.before, c.after]);
    expect(changes).toEqual([
      ['Sans porc', 'Non', 'Oui'],
      ['Végétarien', 'Non', 'Oui'],
      ['Sans gluten', 'Non', 'Oui'],
      ["Projet d'accueil individualisé (PAI)", 'Non', 'Oui'],
      ['Allergènes du PAI', '', 'Arachide, kiwi'],
    ]);
    const child = parse(await agent.get(`/tarnos/mon-espace/enfants/${fam.childId}`));
    expect(child.dd('Régime alimentaire')).toBe('Sans porc, Végétarien, Sans gluten');
    expect(child.dd("Projet d'accueil individualisé (PAI)")).toBe('Oui, allergènes : Arachide, kiwi');
    // The form comes back with the boxes ticked.
    const again = parse(await agent.get(path));
    expect([...again.checked('regimeSansPorc'), ...again.checked('regimeVegetarien'), ...again.checked('pai')]).toEqual([
      'oui',
      'oui',
      'oui',
    ]);
    expect(again.fieldValue('paiAllergenes')).toBe('Arachide, kiwi');

    // Unticking the PAI clears its allergens: the kitchen would list them for nobody.
    expect((await postForm(agent, path, path, { ...PARENT_DOSSIER, regimeSansGluten: 'oui', paiAllergenes: 'Arachide' })).status).toBe(303);
    expect(await dietOf(fam.childId)).toEqual({
      diet_no_pork: false,
      diet_vegetarian: false,
      diet_gluten_free: true,
      pai: false,
      pai_allergens: '',
    });
  });

  it('puts the former diets back when the services refuse the change', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'REFUSE', 'Gabin', { child: { dietNoPork: true } });
    const path = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    expect((await postForm(agent, path, path, { ...PARENT_DOSSIER, pai: 'oui', paiAllergenes: 'Lait' })).status).toBe(303);
    const id = (await t.db.pool.query(`select id from requests where child_id = $1`, [fam.childId])).rows[0].id;
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const request = `/tarnos/agents/demandes/${id}`;
    expect(
      (await postForm(back, request, `${request}/statut`, { action: 'refuser', motif: 'Le PAI n’est pas encore signé.' })).status,
    ).toBe(303);
    expect(await dietOf(fam.childId)).toEqual({
      diet_no_pork: true,
      diet_vegetarian: false,
      diet_gluten_free: false,
      pai: false,
      pai_allergens: '',
    });
  });

  it('refuses a PAI without allergens, and allergens too long, keeping what was typed; and a post without its token', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'PAIVIDE', 'Noé');
    const path = `/tarnos/mon-espace/enfants/${fam.childId}/dossier`;
    const empty = await postForm(agent, path, path, { ...PARENT_DOSSIER, regimeVegetarien: 'oui', pai: 'oui', paiAllergenes: '  ' });
    const p = expectRefused(empty, 'paiAllergenes', 'Saisissez les allergènes du PAI, ou décochez la case du PAI');
    expect([...p.checked('regimeVegetarien'), ...p.checked('pai')]).toEqual(['oui', 'oui']);

    const long = await postForm(agent, path, path, { ...PARENT_DOSSIER, pai: 'oui', paiAllergenes: 'x'.repeat(501) });
    expect(
      expectRefused(long, 'paiAllergenes', 'Les allergènes du PAI doivent comporter 500 caractères au maximum').fieldValue('paiAllergenes'),
    ).toBe('x'.repeat(501));

    expect(
      (
        await agent
          .post(path)
          .type('form')
          .send({ ...PARENT_DOSSIER, pai: 'oui', paiAllergenes: 'Lait' })
      ).status,
    ).toBe(403);
    expect(await dietOf(fam.childId)).toMatchObject({ diet_vegetarian: false, pai: false, pai_allergens: '' });
    expect((await t.db.pool.query(`select count(*)::int as n from requests where child_id = $1`, [fam.childId])).rows[0].n).toBe(0);
  });
});

const AGENT_CHILD = {
  prenoms: 'Jules',
  nom: 'Bernard',
  dateNaissanceJour: '4',
  dateNaissanceMois: '5',
  dateNaissanceAnnee: '2018',
  autorisationPhoto: 'non',
  sortieSeul: 'non',
};

describe("the agents' child form", () => {
  it('adds a child with its diets, edits them, audits the fields that changed and shows them in the file', async () => {
    const agent = t.agent();
    await signedInAgent(t.db.pool, agent, 'tarnos');
    const family = await createFamily(t.db.pool, 'tarnos', { name: 'CANTINE' });
    const newPath = `/tarnos/agents/familles/${family.id}/enfants/nouveau`;
    const form = parse(await agent.get(newPath));
    expect(form.text('legend')).toContain('Régime alimentaire');
    expect(form.label('pai')).toBe("L'enfant a un PAI");

    expect(
      (await postForm(agent, newPath, newPath, { ...AGENT_CHILD, regimeSansPorc: 'oui', pai: 'oui', paiAllergenes: 'Œuf' })).status,
    ).toBe(303);
    const { rows } = await t.db.pool.query(`select id from children where family_id = $1`, [family.id]);
    const childId = rows[0].id as string;
    expect(await dietOf(childId)).toEqual({
      diet_no_pork: true,
      diet_vegetarian: false,
      diet_gluten_free: false,
      pai: true,
      pai_allergens: 'Œuf',
    });

    const editPath = `/tarnos/agents/familles/${family.id}/enfants/${childId}`;
    const edit = parse(await agent.get(editPath));
    expect([...edit.checked('regimeSansPorc'), ...edit.checked('pai')]).toEqual(['oui', 'oui']);
    expect(edit.checked('regimeVegetarien')).toEqual([]);
    expect((await postForm(agent, editPath, editPath, { ...AGENT_CHILD, regimeVegetarien: 'oui', regimeSansGluten: 'oui' })).status).toBe(
      303,
    );
    expect(await dietOf(childId)).toEqual({
      diet_no_pork: false,
      diet_vegetarian: true,
      diet_gluten_free: true,
      pai: false,
      pai_allergens: '',
    });
    const audit = await t.db.pool.query(`select details from audit_log where action = 'child.update' and target_id = $1`, [childId]);
    expect(audit.rows[0].details.fields).toEqual(['dietNoPork', 'dietVegetarian', 'dietGlutenFree', 'pai', 'paiAllergens']);

    const file = parse(await agent.get(`/tarnos/agents/familles/${family.id}`));
    expect(file.dd('Régime alimentaire')).toBe('Végétarien, Sans gluten');
    expect(file.dd('PAI')).toBe('Non');
  });

  it('refuses a PAI without allergens and allergens too long, keeping what was typed; a post without token; another town', async () => {
    const agent = t.agent();
    await signedInAgent(t.db.pool, agent, 'tarnos');
    const family = await createFamily(t.db.pool, 'tarnos', { name: 'REFUS' });
    const childId = await createChild(t.db.pool, 'tarnos', family.id, { firstNames: 'Jules', lastName: 'Bernard' });
    const path = `/tarnos/agents/familles/${family.id}/enfants/${childId}`;
    const empty = await postForm(agent, path, path, { ...AGENT_CHILD, regimeSansGluten: 'oui', pai: 'oui', paiAllergenes: '' });
    const p = expectRefused(empty, 'paiAllergenes', 'Saisissez les allergènes du PAI, ou décochez la case du PAI');
    expect([...p.checked('regimeSansGluten'), ...p.checked('pai')]).toEqual(['oui', 'oui']);
    const long = await postForm(agent, path, path, { ...AGENT_CHILD, pai: 'oui', paiAllergenes: 'y'.repeat(501) });
    expect(
      expectRefused(long, 'paiAllergenes', 'Les allergènes du PAI doivent comporter 500 caractères au maximum').fieldValue('paiAllergenes'),
    ).toBe('y'.repeat(501));
    expect(
      (
        await agent
          .post(path)
          .type('form')
          .send({ ...AGENT_CHILD, pai: 'oui', paiAllergenes: 'Lait' })
      ).status,
    ).toBe(403);
    expect(await dietOf(childId)).toMatchObject({ diet_gluten_free: false, pai: false, pai_allergens: '' });

    // An agent of another town: the child is not found, whatever the verb.
    const other = t.agent();
    await signedInAgent(t.db.pool, other, 'bayeux');
    expect((await other.get(path)).status).toBe(404);
    expect((await other.get(`/bayeux/agents/familles/${family.id}/enfants/${childId}`)).status).toBe(404);
  });
});
