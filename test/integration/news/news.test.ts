import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type supertest from 'supertest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createActivity, createChild, createEnrolment, createFamily, createNews, createParent, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { insertSchool } from '../../../src/repositories/school-sectors.repository.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';

const SLUG = 'tarnos';
const NOW = '2026-11-23T09:00:00Z';
const ARCHIVE = `/${SLUG}/actualites`;
const AGENTS = `/${SLUG}/agents/actualites`;

let t: TestApp;
let townId: string;
let activityId: string;
let schoolId: string;
let otherActivityId: string;
let otherSchoolId: string;
/** A family with a child enrolled in `activityId` and at school `schoolId`. */
let targeted: supertest.Agent;
/** A signed-in family with no child anywhere. */
let plain: supertest.Agent;
let agent: SignedInAgent;

async function familyBrowser(childSetup?: (familyId: string) => Promise<void>): Promise<supertest.Agent> {
  const family = await createFamily(t.db.pool, SLUG);
  if (childSetup) await childSetup(family.id);
  const parent = await createParent(t.db.pool, SLUG, { familyId: family.id });
  const browser = t.agent();
  expect((await signIn(browser, SLUG, parent.username, parent.password)).status).toBe(303);
  return browser;
}

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  const pool = t.db.pool;
  townId = (await town(pool, SLUG)).id;
  activityId = await createActivity(pool, SLUG, { name: 'Escalade' });
  schoolId = (await insertSchool(pool, townId, { name: 'École des Pins', kind: 'elementaire', address: '' }))!;
  otherActivityId = await createActivity(pool, 'villennes', { name: 'Judo' });
  otherSchoolId = (await insertSchool(pool, (await town(pool, 'villennes')).id, {
    name: 'École du Lac',
    kind: 'elementaire',
    address: '',
  }))!;
  targeted = await familyBrowser(async (familyId) => {
    const childId = await createChild(pool, SLUG, familyId, { school: 'École des Pins' });
    await createEnrolment(pool, SLUG, { activityId, childId });
  });
  plain = await familyBrowser();
  agent = await signedIn(t, SLUG, 'agent');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set(NOW);
});

const titles = (res: { text: string }) => page(res).texts('.news-item__title');

describe('the news archive', () => {
  it('pages the published items ten at a time, newest first, with "Lire la suite" to each', async () => {
    const before = Number(
      (
        await t.db.pool.query(`select count(*) n from news where town_id = $1 and published_at is not null and visibility = 'public'`, [
          townId,
        ])
      ).rows[0].n,
    );
    const ids: string[] = [];
    for (let i = 1; i <= 12; i++) {
      ids.push(
        await createNews(t.db.pool, SLUG, {
          title: `Archive ${i}`,
          publishedAt: new Date(`2026-12-01T${String(i).padStart(2, '0')}:00:00Z`),
        }),
      );
    }
    await createNews(t.db.pool, SLUG, { title: 'Brouillon caché' });

    const first = await t.agent().get(ARCHIVE);
    expect(first.status).toBe(200);
    const p1 = page(first);
    expect(p1.heading()).toBe('Actualités');
    expect(titles(first)).toEqual([
      'Archive 12',
      'Archive 11',
      'Archive 10',
      'Archive 9',
      'Archive 8',
      'Archive 7',
      'Archive 6',
      'Archive 5',
      'Archive 4',
      'Archive 3',
    ]);
    const pages = Math.ceil((before + 12) / 10);
    expect(p1.text('main')).toContain(`Page 1 sur ${pages} (${before + 12} actualités).`);
    expect(p1.links('main').find((l) => l.text === 'Lire la suite : Archive 12')?.href).toBe(`${ARCHIVE}/${ids[11]}`);
    expect(p1.links('nav[aria-label="Pages des actualités"]')).toEqual([{ text: 'Page suivante', href: `${ARCHIVE}?page=2` }]);
    expect(titles(first)).not.toContain('Brouillon caché');

    const second = await t.agent().get(`${ARCHIVE}?page=2`);
    expect(second.status).toBe(200);
    expect(page(second).title()).toBe(`Actualités, page 2 sur ${pages} – Ville de Tarnos – Espace Famille`);
    expect(titles(second).slice(0, 2)).toEqual(['Archive 2', 'Archive 1']);
    expect(page(second).links('nav[aria-label="Pages des actualités"]')[0]).toEqual({ text: 'Page précédente', href: ARCHIVE });

    // A page past the end is a 404; anything but a number shows the first page.
    expect((await t.agent().get(`${ARCHIVE}?page=${pages + 1}`)).status).toBe(404);
    expect(titles(await t.agent().get(`${ARCHIVE}?page=abc`))[0]).toBe('Archive 12');
  });

  it('shows an item’s full text, paragraph by paragraph; a draft, an unknown id or another town’s item is a 404', async () => {
    const body = `${'Premier paragraphe assez long. '.repeat(12)}\n\nSecond paragraphe.`;
    const id = await createNews(t.db.pool, SLUG, { title: 'Texte complet', body, publishedAt: new Date('2026-12-02T05:00:00Z') });
    const res = await t.agent().get(`${ARCHIVE}/${id}`);
    expect(res.status).toBe(200);
    const p = page(res);
    expect(p.heading()).toBe('Texte complet');
    expect(p.texts('.news-item__paragraph')).toEqual([body.split('\n\n')[0]!.trim(), 'Second paragraphe.']);
    // The archive's excerpt stops at the first paragraph, cut at a word.
    const archive = page(await t.agent().get(ARCHIVE));
    const excerpt = archive.$('.news-item').filter((_i, el) => archive.$(el).find('.news-item__title').text() === 'Texte complet');
    expect(excerpt.text()).toContain('…');
    expect(excerpt.text()).not.toContain('Second paragraphe.');

    const draft = await createNews(t.db.pool, SLUG, { title: 'Pas publiée' });
    expect((await t.agent().get(`${ARCHIVE}/${draft}`)).status).toBe(404);
    expect((await t.agent().get(`${ARCHIVE}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await t.agent().get(`${ARCHIVE}/pas-un-id`)).status).toBe(404);
    expect((await t.agent().get(`/villennes/actualites/${id}`)).status).toBe(404);
  });

  it('links each excerpt of the home and the dashboard to its page', async () => {
    const id = await createNews(t.db.pool, SLUG, { title: 'Sur l’accueil', publishedAt: new Date('2026-12-02T06:00:00Z') });
    for (const [browser, path] of [
      [t.agent(), `/${SLUG}/`],
      [plain, `/${SLUG}/mon-espace`],
    ] as const) {
      const links = page(await browser.get(path)).links('main');
      expect(links.find((l) => l.text === 'Lire la suite : Sur l’accueil')?.href).toBe(`${ARCHIVE}/${id}`);
      expect(links.find((l) => l.text === 'Toutes les actualités')?.href).toBe(ARCHIVE);
    }
  });
});

describe('news for families', () => {
  let forFamilies: string;
  let forActivity: string;
  let forSchool: string;
  beforeAll(async () => {
    const at = new Date('2026-12-02T07:00:00Z');
    forFamilies = await createNews(t.db.pool, SLUG, { title: 'Pour les familles', visibility: 'families', publishedAt: at });
    forActivity = await createNews(t.db.pool, SLUG, {
      title: 'Pour l’escalade',
      visibility: 'families',
      targetActivityId: activityId,
      publishedAt: at,
    });
    forSchool = await createNews(t.db.pool, SLUG, {
      title: 'Pour l’école des Pins',
      visibility: 'families',
      targetSchoolId: schoolId,
      publishedAt: at,
    });
  });

  it('hides every families’ item from a visitor: not on the home, not in the archive, a 404 by its address', async () => {
    const visitor = t.agent();
    const home = await visitor.get(`/${SLUG}/`);
    const archive = await visitor.get(ARCHIVE);
    for (const title of ['Pour les familles', 'Pour l’escalade', 'Pour l’école des Pins']) {
      expect(titles(home)).not.toContain(title);
      expect(titles(archive)).not.toContain(title);
    }
    for (const id of [forFamilies, forActivity, forSchool]) expect((await visitor.get(`${ARCHIVE}/${id}`)).status).toBe(404);
  });

  it('shows a signed-in family the untargeted item, and not the items aimed at others', async () => {
    const archive = titles(await plain.get(ARCHIVE));
    expect(archive).toContain('Pour les familles');
    expect(archive).not.toContain('Pour l’escalade');
    expect(archive).not.toContain('Pour l’école des Pins');
    const item = await plain.get(`${ARCHIVE}/${forFamilies}`);
    expect(item.status).toBe(200);
    expect(page(item).text('.news-item__private')).toBe('Réservée aux familles connectées');
    // The dashboard's latest news include it; the town home does not.
    expect(titles(await plain.get(`/${SLUG}/mon-espace`))).toContain('Pour les familles');
    expect(titles(await plain.get(`/${SLUG}/`))).not.toContain('Pour les familles');
    expect((await plain.get(`${ARCHIVE}/${forActivity}`)).status).toBe(404);
    expect((await plain.get(`${ARCHIVE}/${forSchool}`)).status).toBe(404);
  });

  it('shows the family of a child enrolled in the activity, or at the school, the items aimed at it', async () => {
    const archive = titles(await targeted.get(ARCHIVE));
    expect(archive).toEqual(expect.arrayContaining(['Pour les familles', 'Pour l’escalade', 'Pour l’école des Pins']));
    for (const id of [forFamilies, forActivity, forSchool]) expect((await targeted.get(`${ARCHIVE}/${id}`)).status).toBe(200);
  });

  it('is a 404 from another town, even for a family of that town', async () => {
    const other = await (async () => {
      const family = await createFamily(t.db.pool, 'villennes');
      const parent = await createParent(t.db.pool, 'villennes', { familyId: family.id });
      const browser = t.agent();
      await signIn(browser, 'villennes', parent.username, parent.password);
      return browser;
    })();
    for (const id of [forFamilies, forActivity]) {
      expect((await other.get(`/villennes/actualites/${id}`)).status).toBe(404);
      expect((await targeted.get(`/villennes/actualites/${id}`)).status).toBe(404);
    }
  });
});

describe('the agents’ form: who an item is for', () => {
  const VALID = { titre: 'Sortie escalade', texte: 'Rendez-vous au gymnase.', visibilite: 'familles', cible: '' };
  const stored = async (title: string) =>
    (
      await t.db.pool.query<{ visibility: string; target_activity_id: string | null; target_school_id: string | null }>(
        `select visibility, target_activity_id, target_school_id from news where town_id = $1 and title = $2`,
        [townId, title],
      )
    ).rows[0];

  it('offers Publique / Réservée aux familles connectées and the town’s activities and schools', async () => {
    const form = page(await agent.agent.get(`${AGENTS}/nouvelle`));
    expect(form.checked('visibilite')).toEqual(['publique']);
    expect([form.label('visibilite'), form.label('visibilite-familles')]).toEqual(['Publique', 'Réservée aux familles connectées']);
    const options = form.texts('#cible option');
    expect(options[0]).toBe('Toutes les familles connectées');
    expect(options).toContain('Familles inscrites à l’activité Escalade (Site test)');
    expect(options).toContain('Familles d’un enfant à l’école École des Pins');
    expect(options.join()).not.toContain('Judo');
  });

  it('stores a families’ item aimed at an activity, then at a school, and audits the change', async () => {
    expect((await post(agent, `${AGENTS}/nouvelle`, { ...VALID, cible: `activite:${activityId}` })).status).toBe(303);
    expect(await stored('Sortie escalade')).toEqual({ visibility: 'families', target_activity_id: activityId, target_school_id: null });
    const { rows } = await t.db.pool.query<{ id: string }>(`select id from news where title = 'Sortie escalade'`);
    const id = rows[0]!.id;
    const edit = page(await agent.agent.get(`${AGENTS}/${id}/modifier`));
    expect(edit.checked('visibilite')).toEqual(['familles']);
    expect(edit.selected('cible')).toBe(`activite:${activityId}`);
    expect((await post(agent, `${AGENTS}/${id}/modifier`, { ...VALID, cible: `ecole:${schoolId}` })).status).toBe(303);
    expect(await stored('Sortie escalade')).toEqual({ visibility: 'families', target_activity_id: null, target_school_id: schoolId });
    const [row] = await auditRows(t, agent.id, 'news.update');
    expect(row!.details).toMatchObject({ visibility: 'families', targetActivityId: null, targetSchoolId: schoolId });
    // Back to public: no target left.
    expect((await post(agent, `${AGENTS}/${id}/modifier`, { ...VALID, visibilite: 'publique' })).status).toBe(303);
    expect(await stored('Sortie escalade')).toEqual({ visibility: 'public', target_activity_id: null, target_school_id: null });
  });

  it.each([
    ['visibilite', 'an unknown value', { visibilite: 'secrete' }, 'Choisissez à qui l’actualité est destinée'],
    ['cible', 'not a target', { cible: 'n-importe-quoi' }, 'Choisissez une activité ou une école de la liste'],
    [
      'cible',
      'a target on a public item',
      { visibilite: 'publique', cible: 'ACTIVITE' },
      'Choisissez une activité ou une école de la liste',
    ],
    ['cible', 'an activity of another town', { cible: 'OTHER_ACTIVITY' }, 'Choisissez une activité ou une école de la liste'],
    ['cible', 'a school of another town', { cible: 'OTHER_SCHOOL' }, 'Choisissez une activité ou une école de la liste'],
    [
      'cible',
      'an unknown activity',
      { cible: 'activite:00000000-0000-4000-8000-000000000000' },
      'Choisissez une activité ou une école de la liste',
    ],
  ])('refuses %s (%s), keeping what was typed', async (field, _what, override, message) => {
    const ids: Record<string, string> = {
      ACTIVITE: `activite:${activityId}`,
      OTHER_ACTIVITY: `activite:${otherActivityId}`,
      OTHER_SCHOOL: `ecole:${otherSchoolId}`,
    };
    const values = { ...VALID, titre: 'Refusée', ...override } as Record<string, string>;
    if (values.cible && ids[values.cible]) values.cible = ids[values.cible]!;
    const res = await post(agent, `${AGENTS}/nouvelle`, values);
    expect(res.status).toBe(400);
    const p = page(res);
    const expected =
      field === 'cible' && values.visibilite === 'publique'
        ? 'Une actualité publique s’adresse à tous : choisissez « Réservée aux familles connectées » pour la cibler'
        : message;
    expect(p.errorSummary()).toEqual([{ field, message: expected }]);
    expect(p.fieldError(field)).toBe(expected);
    expect(p.fieldValue('titre')).toBe('Refusée');
    expect(await stored('Refusée')).toBeUndefined();
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await agent.agent
      .post(`${AGENTS}/nouvelle`)
      .type('form')
      .send({ ...VALID, titre: 'Sans jeton' });
    expect(res.status).toBe(403);
    expect(await stored('Sans jeton')).toBeUndefined();
  });
});

describe('the portal’s menu', () => {
  const menu = (res: { text: string }) => page(res).links('.town-menu__bar');
  const current = (res: { text: string }) => page(res).texts('.town-menu__bar a[aria-current="page"]');

  it('shows a visitor the public entries, the current one marked, and "Se connecter"', async () => {
    const home = await t.agent().get(`/${SLUG}/`);
    expect(menu(home)).toEqual([
      { text: 'Accueil', href: `/${SLUG}/` },
      { text: 'Actualités', href: ARCHIVE },
      { text: 'Activités', href: `/${SLUG}/activites` },
      // The town's services' contacts are behind it even before an agent writes a page.
      { text: 'Infos pratiques', href: `/${SLUG}/infos-pratiques` },
    ]);
    expect(current(home)).toEqual(['Accueil']);
    // The phone's disclosure holds the same links.
    expect(page(home).links('.town-menu__disclosure')).toEqual(menu(home));
    expect(page(home).links('nav[aria-label="Mon compte"]')).toEqual([{ text: 'Se connecter', href: `/${SLUG}/connexion` }]);
    expect(current(await t.agent().get(`${ARCHIVE}?page=1`))).toEqual(['Actualités']);
  });

  it('adds EDITION DE DOCUMENTS for a signed-in parent, marked under its section', async () => {
    const res = await plain.get(`/${SLUG}/mon-espace/edition-de-documents`);
    // No survey is open in this town: VOTRE AVIS stays hidden.
    expect(menu(res).map((l) => l.text)).toEqual([
      'Accueil',
      'Nouvelle démarche',
      'Actualités',
      'Édition de documents',
      'Activités',
      'Infos pratiques',
    ]);
    expect(current(res)).toEqual(['Édition de documents']);
  });

  it('hides an entry the town has nothing behind, and is not in the back-office', async () => {
    await t.db.pool.query(`update news set published_at = null where town_id = $1`, [townId]);
    expect(menu(await t.agent().get(`/${SLUG}/`)).map((l) => l.text)).not.toContain('Actualités');
    expect(page(await agent.agent.get(`/${SLUG}/agents`)).has('.town-menu')).toBe(false);
  });
});
