import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, town } from '../../helpers/fixtures.js';
import { page as parse, squish } from '../../helpers/html.js';
import { fieldErrorOf, inputValue, summaryOf, textOf, titleOf } from '../signup/signup-helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from './helpers.js';

let t: TestApp;
let agent: SignedInAgent;
let townId: string;
const LIST = '/tarnos/agents/actualites';
const NEW = `${LIST}/nouvelle`;
const NOW = '2026-11-23T09:00:00Z';

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  // A plain agent: news are for every agent of the town, not only admins.
  agent = await signedIn(t, 'tarnos', 'agent');
  townId = (await town(t.db.pool, 'tarnos')).id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set(NOW);
});

async function item(title: string) {
  const { rows } = await t.db.pool.query<{ id: string; title: string; body: string; published_at: Date | null; updated_at: Date }>(
    `select id, title, body, published_at, updated_at from news where town_id = $1 and title = $2`,
    [townId, title],
  );
  return rows[0];
}
const homeText = async () => textOf((await t.agent().get('/tarnos/')).text);

const VALID = {
  titre: 'Inscriptions au centre de loisirs',
  texte: 'Les inscriptions pour les vacances de Noël sont ouvertes.\r\n\r\nPensez à réserver avant le 10 décembre.',
};

describe('news written by agents', () => {
  it('lists drafts and published items, with their state in words', async () => {
    const page = await agent.agent.get(LIST);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe('Actualités – Ville de Tarnos – Espace Famille');
    const published = parse(page).all('td > span.status-tag.status-tag--ok');
    expect(published.length).toBeGreaterThan(0);
    expect(published.first().text()).toBe('Publiée');
    expect(squish(published.first().parent().text())).toMatch(/^Publiée le \d\d\/\d\d\/\d{4}$/);
  });

  it('writes a draft, which the town home does not show, and audits it', async () => {
    const res = await post(agent, NEW, VALID);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(LIST);
    const list = await agent.agent.get(LIST);
    expect(list.text).toContain('L’actualité « Inscriptions au centre de loisirs » est enregistrée comme brouillon');
    const listed = parse(list).row('Inscriptions au centre de loisirs (modifier)');
    const tags = listed.el.find('span.status-tag');
    expect([tags.length, tags.attr('class'), tags.text()]).toEqual([1, 'status-tag', 'Brouillon']);
    const draft = await item(VALID.titre);
    expect(draft).toMatchObject({
      body: 'Les inscriptions pour les vacances de Noël sont ouvertes.\n\nPensez à réserver avant le 10 décembre.',
      published_at: null,
    });
    expect(await homeText()).not.toContain(VALID.titre);
    const [row] = await auditRows(t, agent.id, 'news.create');
    expect(row).toMatchObject({ target_type: 'news', target_id: draft!.id, details: { title: VALID.titre } });
  });

  it('publishes with the clock’s date: on the town home and the parent’s dashboard; unpublishes: gone from both', async () => {
    const draft = (await item(VALID.titre))!;
    t.clock.set('2026-11-20T10:00:00Z');
    expect((await post(agent, `${LIST}/${draft.id}/publier`)).status).toBe(303);
    expect((await agent.agent.get(LIST)).text).toContain('L’actualité « Inscriptions au centre de loisirs » est publiée sur le portail.');
    expect((await item(VALID.titre))!.published_at).toEqual(new Date('2026-11-20T10:00:00Z'));

    const home = (await t.agent().get('/tarnos/')).text;
    expect(textOf(home)).toContain(`${VALID.titre} Publié le 20/11/2026`);
    // The home shows the first paragraph; the item's page, "Lire la suite", the whole plain text.
    expect(textOf(home)).toContain('Les inscriptions pour les vacances de Noël sont ouvertes. Lire la suite');
    const full = textOf((await t.agent().get(`/tarnos/actualites/${draft.id}`)).text);
    expect(full).toContain('Les inscriptions pour les vacances de Noël sont ouvertes. Pensez à réserver avant le 10 décembre.');
    const parent = await createParent(t.db.pool, 'tarnos');
    const browser = t.agent();
    await signIn(browser, 'tarnos', parent.username, parent.password);
    expect(textOf((await browser.get('/tarnos/mon-espace')).text)).toContain(VALID.titre);

    // Publishing twice keeps the first date.
    t.clock.set('2026-11-21T10:00:00Z');
    expect((await post(agent, `${LIST}/${draft.id}/publier`)).status).toBe(303);
    expect((await item(VALID.titre))!.published_at).toEqual(new Date('2026-11-20T10:00:00Z'));
    expect(await auditRows(t, agent.id, 'news.publish')).toHaveLength(1);

    expect((await post(agent, `${LIST}/${draft.id}/retirer`)).status).toBe(303);
    expect((await agent.agent.get(LIST)).text).toContain('est retirée du portail : elle redevient un brouillon.');
    expect((await item(VALID.titre))!.published_at).toBeNull();
    expect(await homeText()).not.toContain(VALID.titre);
    expect(textOf((await browser.get('/tarnos/mon-espace')).text)).not.toContain(VALID.titre);
    const [published] = await auditRows(t, agent.id, 'news.publish');
    const [unpublished] = await auditRows(t, agent.id, 'news.unpublish');
    expect(published).toMatchObject({ target_id: draft.id, details: { title: VALID.titre } });
    expect(unpublished).toMatchObject({ target_id: draft.id, details: { title: VALID.titre } });
  });

  it('edits an item, and shows the edit on the portal when it is published', async () => {
    const draft = (await item(VALID.titre))!;
    const page = await agent.agent.get(`${LIST}/${draft.id}/modifier`);
    expect(page.status).toBe(200);
    expect(inputValue(page.text, 'titre')).toBe(VALID.titre);
    expect(page.text).toContain('Pensez à réserver avant le 10 décembre.</textarea>');

    await post(agent, `${LIST}/${draft.id}/publier`);
    // Within the agent's 15 idle minutes.
    t.clock.set('2026-11-23T09:10:00Z');
    const res = await post(agent, `${LIST}/${draft.id}/modifier`, {
      titre: 'Centre de loisirs : inscriptions ouvertes',
      texte: VALID.texte,
    });
    expect(res.status).toBe(303);
    const edited = (await item('Centre de loisirs : inscriptions ouvertes'))!;
    expect(edited.id).toBe(draft.id);
    expect(edited.updated_at).toEqual(new Date('2026-11-23T09:10:00Z'));
    expect(edited.published_at).not.toBeNull();
    expect(await homeText()).toContain('Centre de loisirs : inscriptions ouvertes');
    const [row] = await auditRows(t, agent.id, 'news.update');
    expect(row!.details).toEqual({ title: 'Centre de loisirs : inscriptions ouvertes', previousTitle: VALID.titre, bodyChanged: false });

    // Saving without a change writes nothing.
    await post(agent, `${LIST}/${draft.id}/modifier`, { titre: 'Centre de loisirs : inscriptions ouvertes', texte: VALID.texte });
    expect(await auditRows(t, agent.id, 'news.update')).toHaveLength(1);
  });

  it.each([
    ['titre', 'empty', { titre: '' }, 'Saisissez le titre de l’actualité'],
    ['titre', '151 characters', { titre: 'x'.repeat(151) }, 'Le titre doit contenir 150 caractères au maximum'],
    ['texte', 'blank', { texte: '   ' }, 'Saisissez le texte de l’actualité'],
    ['texte', '10,001 characters', { texte: 'x'.repeat(10_001) }, 'Le texte doit contenir 10 000 caractères au maximum'],
  ])('refuses %s (%s) when writing and when editing, keeping what was typed', async (field, _what, override, message) => {
    const count = (await t.db.pool.query(`select count(*)::int n from news where town_id = $1`, [townId])).rows[0].n;
    const values = { ...VALID, titre: 'Une autre actualité', ...override };
    const res = await post(agent, NEW, values);
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toBe('Erreur : Nouvelle actualité – Ville de Tarnos – Espace Famille');
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, field)).toBe(message);
    expect(inputValue(res.text, 'titre')).toBe(values.titre);
    expect((await t.db.pool.query(`select count(*)::int n from news where town_id = $1`, [townId])).rows[0].n).toBe(count);

    const existing = (await item('Centre de loisirs : inscriptions ouvertes'))!;
    const edit = await post(agent, `${LIST}/${existing.id}/modifier`, values);
    expect(edit.status).toBe(400);
    expect(titleOf(edit.text)).toMatch(/^Erreur : Modifier l’actualité Centre de loisirs/);
    expect(await item('Centre de loisirs : inscriptions ouvertes')).toEqual(existing);
  });

  it('never lets HTML through: a title and a text with tags are shown as typed', async () => {
    const titre = '<img src=x onerror=alert(1)>';
    const texte = '"><script>alert(1)</script>';
    expect((await post(agent, NEW, { titre, texte })).status).toBe(303);
    const created = (await item(titre))!;
    expect(created.body).toBe(texte);
    await post(agent, `${LIST}/${created.id}/publier`);
    const home = (await t.agent().get('/tarnos/')).text;
    expect(home).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(home).toContain('&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(home).not.toContain('<img src=x');
    expect(home).not.toContain('<script>alert');
    expect((await agent.agent.get(LIST)).text).not.toContain('<img src=x');
  });
});
