import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOWNS } from '../../../src/db/demo-data.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createNews } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('towns and pages', () => {
  it('lists every demo town with a link to its home', async () => {
    const res = await t.agent().get('/');
    expect(res.status).toBe(200);
    const hrefs = page(res).attrs('a', 'href');
    for (const town of DEMO_TOWNS) expect(hrefs).toContain(`/${town.slug}/`);
  });

  it.each(DEMO_TOWNS.map((town) => [town.slug, town] as const))('serves the home page of %s', async (_slug, town) => {
    const res = await t.agent().get(`/${town.slug}/`);
    expect(res.status).toBe(200);
    const home = page(res);
    expect(home.one('html').attr('lang')).toBe('fr');
    expect(home.title()).toBe(`Accueil – ${town.name} – Espace Famille`);
    expect(res.text).toMatch(/Mon espace perso/i);
    expect(res.text).toContain('Identifiant');
    expect(res.text).toContain("J'ai oublié mon mot de passe.");
    expect(res.text).toContain('Connexion');
    expect(res.text).toMatch(/Je n'ai pas d'espace/i);
    expect(res.text).toContain('Créer mon espace');
    expect(res.text).toContain('Actualités');
    expect(home.text()).toContain(town.news[0]!.title);
    for (const service of town.services) {
      expect(res.text).toContain(service.name);
      if (service.phone) expect(res.text).toContain(service.phone);
      if (service.email) expect(res.text).toContain(service.email);
    }
    expect(home.attrs('a', 'href')).toContain('#contenu');
    expect(home.all('main#contenu')).toHaveLength(1);
  });

  it('shows news from the database, newest first, and hides unpublished ones', async () => {
    await createNews(t.db.pool, 'tarnos', { title: 'Menu de Noël', body: 'Repas de fête le 18 décembre.', publishedAt: new Date() });
    await createNews(t.db.pool, 'tarnos', { title: 'Brouillon secret', body: 'Pas encore publié.' });
    const res = await t.agent().get('/tarnos/');
    expect(res.text).toContain('Menu de Noël');
    expect(res.text).not.toContain('Brouillon secret');
    expect(res.text.indexOf('Menu de Noël')).toBeLessThan(res.text.indexOf('Réservation des repas'));
  });

  it('keeps towns apart: one town shows nothing of another', async () => {
    const res = await t.agent().get('/bayeux/');
    expect(res.text).not.toContain('Direction Éducation Enfance Jeunesse');
    expect(res.text).toContain('Service Enseignement de Bayeux Intercom');
  });

  it('answers an unknown town with the French 404 page', async () => {
    const res = await t.agent().get('/paris/');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page introuvable');
    expect(page(res).one('html').attr('lang')).toBe('fr');
  });

  it('answers an unknown page inside a town with a 404 in the town layout', async () => {
    const res = await t.agent().get('/tarnos/nulle-part');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page introuvable – Ville de Tarnos – Espace Famille');
  });

  it('renders the town texts behind the footer links', async () => {
    const home = await t.agent().get('/villennes/');
    expect(page(home).attrs('a', 'href')).toEqual(expect.arrayContaining(['/villennes/mentions-legales', '/villennes/cgu']));
    const cgu = await t.agent().get('/villennes/cgu');
    expect(cgu.status).toBe(200);
    expect(cgu.text).toContain('CONDITIONS GÉNÉRALES');
    const mentions = await t.agent().get('/villennes/mentions-legales');
    expect(mentions.text).toContain('Villennes-sur-Seine');
  });

  it("serves the town's colour as a stylesheet", async () => {
    const res = await t.agent().get('/tarnos/theme.css');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/css');
    expect(res.text).toContain('--town-colour:#005f73');
  });

  it("links every page to a favicon that answers, in the town's colour on a town's portal", async () => {
    const home = await t.agent().get('/tarnos/');
    const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/.exec(home.text)?.[1];
    expect(href).toBe('/tarnos/favicon.svg?v=005f73');
    const icon = await t.agent().get(href!);
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
    expect(icon.body.toString()).toContain('fill="#005f73"');
    // A page of the back-office, an error page and the list of towns link one too.
    for (const path of ['/tarnos/agents/connexion', '/tarnos/page-qui-n-existe-pas', '/']) {
      const page = await t.agent().get(path);
      const link = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)">/.exec(page.text)?.[1];
      expect(link, path).toBeDefined();
      expect((await t.agent().get(link!)).status, path).toBe(200);
    }
    // What browsers ask for on their own.
    const ico = await t.agent().get('/favicon.ico').redirects(1);
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toContain('image/svg+xml');
  });
});
