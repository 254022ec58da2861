import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { insertApplication } from '../../../src/repositories/enrolment.repository.js';
import { createActivity, createChild, createFamily, createRequest, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { postForm, signedInAgent } from '../requests/helpers.js';
import { NOW, offeredActivity } from './helpers.js';

/** An activity's "Inscription en ligne" settings in the back-office: what the offer and the parents' form read. */

const SLUG = 'tarnos';
let t: TestApp;
const db = () => t.db.pool;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await db().query('delete from rate_limits');
});

const VALID = {
  service: 'Accueil de loisirs',
  description: 'Grands jeux et sorties.',
  ageMin: '6',
  ageMax: '11',
  niveaux: ['CP', 'CE1'],
  pieces: ['certificat_medical'],
  'mois-certificat_medical': '12',
  pai: 'oui',
  regime: 'oui',
  ouverture: '10/01/2027',
  ouvertureHeure: '09:00',
  cloture: '31/01/2027',
  clotureHeure: '18:00',
  attribution: 'oui',
  fenetre: '60',
};

async function settings(id: string) {
  const { rows } = await db().query(
    `select service, min_age, max_age, school_levels, required_pieces, asks_pai, asks_diet, enrolment_opens_at, enrolment_closes_at, fair_window_minutes
       from activities where id = $1`,
    [id],
  );
  return rows[0];
}

describe("an activity's online enrolment settings", () => {
  it('saves every field, audited, and shows them again', async () => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const id = await createActivity(db(), SLUG);
    const path = urls.agentEnrolmentSettings(SLUG, id);
    const res = await postForm(agent, path, path, VALID);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.agentActivity(SLUG, id));
    expect(await settings(id)).toEqual({
      service: 'Accueil de loisirs',
      min_age: 6,
      max_age: 11,
      school_levels: ['CP', 'CE1'],
      required_pieces: [{ kind: 'certificat_medical', maxAgeMonths: 12 }],
      asks_pai: true,
      asks_diet: true,
      enrolment_opens_at: new Date('2027-01-10T08:00:00Z'),
      enrolment_closes_at: new Date('2027-01-31T17:00:00Z'),
      fair_window_minutes: 60,
    });
    const audit = await db().query(`select action from audit_log where target_id = $1`, [id]);
    expect(audit.rows.map((r) => r.action)).toContain('activity.enrolment_settings');
    const form = page(await agent.get(path));
    expect(form.fieldValue('ouverture')).toBe('10/01/2027');
    expect(form.fieldValue('ouvertureHeure')).toBe('09:00');
    expect(form.fieldValue('mois-certificat_medical')).toBe('12');
    expect(form.checked('niveaux')).toEqual(['CP', 'CE1']);
  });

  it.each([
    ['an age that is not a number', { ageMin: 'six' }, 'ageMin', "L'âge minimum est un nombre d'années entre 0 et 25, par exemple 6"],
    [
      'a maximum age below the minimum',
      { ageMin: '10', ageMax: '6' },
      'ageMax',
      "L'âge maximum doit être le même que l'âge minimum ou plus",
    ],
    ['a level that is not offered', { niveaux: ['6E'] }, 'niveaux', 'Choisissez les classes dans la liste'],
    [
      'a piece age out of range',
      { 'mois-certificat_medical': '0' },
      'mois-certificat_medical',
      'Saisissez une ancienneté en mois entre 1 et 120, par exemple 12, ou laissez vide',
    ],
    [
      'an opening date that cannot be read',
      { ouverture: '32/01/2027' },
      'ouverture',
      "Saisissez la date d'ouverture au format JJ/MM/AAAA, par exemple 10/01/2027",
    ],
    ['an hour that cannot be read', { ouvertureHeure: '9h' }, 'ouvertureHeure', "Saisissez l'heure au format HH:MM, par exemple 09:00"],
    ['a closing before the opening', { cloture: '09/01/2027' }, 'cloture', "La clôture doit être après l'ouverture des inscriptions"],
    [
      'fair allocation without an opening',
      { ouverture: '', ouvertureHeure: '', cloture: '', clotureHeure: '' },
      'ouverture',
      "L'attribution équitable compte depuis l'ouverture : saisissez sa date et son heure",
    ],
    [
      'a window of no minutes',
      { fenetre: '0' },
      'fenetre',
      'Saisissez la durée de la première fenêtre en minutes, entre 1 et 10 080, par exemple 60',
    ],
  ])('refuses %s with a French message, keeping what was typed', async (_what, change, field, message) => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const id = await createActivity(db(), SLUG);
    const path = urls.agentEnrolmentSettings(SLUG, id);
    const res = await postForm(agent, path, path, { ...VALID, ...change });
    expect(res.status).toBe(400);
    const p = page(res);
    expect(p.fieldError(field)).toBe(message);
    expect(p.fieldValue('service')).toBe('Accueil de loisirs');
    expect((await settings(id)).enrolment_opens_at).toBeNull();
  });

  it("keeps a piece or a class sent twice once (the parents' form has one choice per piece)", async () => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const id = await createActivity(db(), SLUG);
    const path = urls.agentEnrolmentSettings(SLUG, id);
    const res = await postForm(agent, path, path, {
      ...VALID,
      pieces: ['certificat_medical', 'certificat_medical'],
      niveaux: ['CP', 'CP'],
    });
    expect(res.status).toBe(303);
    expect(await settings(id)).toMatchObject({
      school_levels: ['CP'],
      required_pieces: [{ kind: 'certificat_medical', maxAgeMonths: 12 }],
    });
  });

  it('refuses a post without the CSRF token', async () => {
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const id = await createActivity(db(), SLUG);
    const res = await agent.post(urls.agentEnrolmentSettings(SLUG, id)).type('form').send(VALID);
    expect(res.status).toBe(403);
    expect((await settings(id)).service).toBe('');
  });

  it("is 404 to another town's agent, for the settings and the allocation (GET and POST), and to a bad id", async () => {
    const id = await createActivity(db(), SLUG);
    const agent = t.agent();
    await signedInAgent(db(), agent, 'bayeux');
    const home = await agent.get(urls.agentActivities('bayeux'));
    for (const path of [urls.agentEnrolmentSettings('bayeux', id), urls.agentAllocation('bayeux', id)]) {
      expect((await agent.get(path)).status).toBe(404);
      expect(
        (
          await agent
            .post(path)
            .type('form')
            .send({ _csrf: csrfFrom(home.text), ...VALID })
        ).status,
      ).toBe(404);
    }
    expect((await agent.get(urls.agentEnrolmentSettings('bayeux', 'pas-un-id'))).status).toBe(404);
    expect((await settings(id)).service).toBe('');
  });
});

describe('the applications page of an activity without fair allocation', () => {
  it('lists its applications in arrival order, each linked to its request, without the allocation button', async () => {
    const id = await offeredActivity(db(), SLUG);
    const family = await createFamily(db(), SLUG, { name: 'LISTE' });
    const childId = await createChild(db(), SLUG, family.id, { firstNames: 'Jade', lastName: 'LISTE' });
    const requestId = await createRequest(db(), SLUG, { familyId: family.id, childId, type: 'enrolment', summary: 'Inscription de Jade' });
    await insertApplication(db(), {
      requestId,
      townId: (await town(db(), SLUG)).id,
      activityId: id,
      familyId: family.id,
      childId,
      receivedAt: new Date(NOW),
    });
    const agent = t.agent();
    await signedInAgent(db(), agent, SLUG);
    const p = page(await agent.get(urls.agentAllocation(SLUG, id)));
    expect(p.row('Jade LISTE (LISTE)').cells).toContain('Envoyée');
    expect(p.links()).toContainEqual({ href: urls.agentRequest(SLUG, requestId), text: 'Jade LISTE' });
    expect(p.has('#attribuer')).toBe(false);
  });
});
