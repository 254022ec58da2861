import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOperator } from '../../../src/features/operators/operators.service.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, csrfToken, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { readCsv, unzip } from './helpers.js';

/** The host's operators' pages (issue 20, ADR 0024): their sign-in, the towns, add, export, remove. */

let t: TestApp;
const PASSWORD = 'Hebergeur-Exploit-2026';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  const created = await createOperator(
    { pool: t.db.pool, clock: t.clock },
    { username: 'ops', displayName: 'Opératrice', password: PASSWORD },
  );
  expect(created.kind).toBe('created');
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

async function signedInOperator(): Promise<supertest.Agent> {
  const agent = t.agent();
  const token = await csrfToken(agent, urls.operatorSignIn());
  const res = await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token, identifiant: 'ops', motDePasse: PASSWORD });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(urls.operatorTowns());
  return agent;
}

const errorSummary = (html: string) => page(html).texts('.error-summary__list a');

describe('sign-in', () => {
  it('opens the towns to an operator; refuses what is empty or wrong, generically', async () => {
    const agent = t.agent();
    const form = await agent.get(urls.operatorSignIn());
    expect(form.status).toBe(200);
    expect(page(form.text).heading()).toBe('Exploitation du portail');
    const token = csrfFrom(form.text);

    const empty = await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token });
    expect(empty.status).toBe(400);
    expect(page(empty.text).title()).toMatch(/^Erreur : /);
    expect(errorSummary(empty.text)).toEqual(["Saisissez votre nom d'utilisateur", 'Saisissez votre mot de passe']);

    for (const [identifiant, motDePasse] of [
      ['ops', 'Mauvais-Mot-2026x'],
      ['personne', PASSWORD],
    ]) {
      const wrong = await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token, identifiant, motDePasse });
      expect(wrong.status).toBe(401);
      expect(errorSummary(wrong.text)).toEqual(['Identifiant ou mot de passe incorrect']);
      expect(page(wrong.text).all('#identifiant').attr('value')).toBe(identifiant);
      expect(page(wrong.text).all('#motDePasse').attr('value')).toBeUndefined();
    }
    expect((await agent.get(urls.operatorTowns())).headers.location).toBe(urls.operatorSignIn());

    const ok = await signedInOperator();
    const list = await ok.get(urls.operatorTowns());
    expect(list.status).toBe(200);
    const rows = page(list.text).rows('table');
    expect(rows.map((r) => r.header)).toContain('Ville de Tarnos');
    const tarnos = rows.find((r) => r.header === 'Ville de Tarnos')!;
    expect(tarnos.cells.slice(0, 4)).toEqual(['tarnos', '2', '0', '0']);

    const { rows: events } = await t.db.pool.query(`select action from operator_events where action like 'operator.sign_in%' order by id`);
    expect(events.map((e) => e.action)).toEqual(['operator.sign_in_failed', 'operator.sign_in_failed', 'operator.sign_in']);

    const out = await ok
      .post(urls.operatorSignOut())
      .type('form')
      .send({ _csrf: csrfFrom(list.text) });
    expect(out.headers.location).toBe(`${urls.operatorSignIn()}?deconnexion=1`);
    expect((await ok.get(urls.operatorTowns())).headers.location).toBe(urls.operatorSignIn());
  });

  it('refuses a username after 10 wrong passwords, even with the right one', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, urls.operatorSignIn());
    for (let i = 0; i < 10; i++) {
      await agent
        .post(urls.operatorSignIn())
        .type('form')
        .send({ _csrf: token, identifiant: 'ops', motDePasse: `Faux-${i}` });
    }
    await t.db.pool.query(`delete from rate_limits where key like 'operator-signin:%'`);
    const locked = await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token, identifiant: 'ops', motDePasse: PASSWORD });
    expect(locked.status).toBe(401);
    expect(errorSummary(locked.text)).toEqual(['Trop de tentatives ont échoué pour cet identifiant : réessayez dans 15 minutes']);
  });

  it('limits the sign-ins of one address to 20 in 15 minutes', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent, urls.operatorSignIn());
    // Empty forms: counted before they are read, no password hashed.
    for (let i = 0; i < 20; i++) expect((await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token })).status).toBe(400);
    const res = await agent.post(urls.operatorSignIn()).type('form').send({ _csrf: token, identifiant: 'ops', motDePasse: PASSWORD });
    expect(res.status).toBe(429);
  });
});

describe('who reaches the pages', () => {
  it("sends a visitor, a town's admin and a parent to the operators' sign-in, on every page", async () => {
    const admin = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    const asAdmin = t.agent();
    expect((await signInAgent(asAdmin, 'tarnos', admin.username, admin.password)).status).toBe(303);
    const parent = await createParent(t.db.pool, 'tarnos');
    const asParent = t.agent();
    expect((await signIn(asParent, 'tarnos', parent.username, parent.password)).status).toBe(303);
    for (const who of [t.agent(), asAdmin, asParent]) {
      for (const path of [urls.operatorTowns(), urls.operatorNewTown(), urls.operatorRemoveTown('tarnos'), urls.operatorHome()]) {
        const res = await who.get(path);
        expect(res.status, path).toBe(303);
        expect([urls.operatorSignIn(), urls.operatorTowns()], path).toContain(res.headers.location);
      }
      const token = await csrfToken(who, urls.operatorSignIn());
      for (const path of [urls.operatorNewTown(), urls.operatorExportTown('tarnos'), urls.operatorRemoveTown('tarnos')]) {
        const res = await who.post(path).type('form').send({ _csrf: token, confirmation: 'tarnos', slug: 'x-y' });
        expect(res.status, path).toBe(303);
        expect(res.headers.location).toBe(urls.operatorSignIn());
      }
    }
    expect((await town(t.db.pool, 'tarnos')).slug).toBe('tarnos');
    // And an operator's session opens nothing in a town.
    const ops = await signedInOperator();
    expect((await ops.get(urls.agentHome('tarnos'))).status).toBe(404);
    expect((await ops.get(urls.dashboard('tarnos'))).headers.location).toMatch(/^\/tarnos\//);
  });

  it('refuses every form without its CSRF token', async () => {
    const ops = await signedInOperator();
    for (const path of [
      urls.operatorSignIn(),
      urls.operatorNewTown(),
      urls.operatorExportTown('tarnos'),
      urls.operatorRemoveTown('tarnos'),
    ]) {
      const res = await ops.post(path).type('form').send({ slug: 'csrf-ville', confirmation: 'tarnos' });
      expect(res.status, path).toBe(403);
    }
    expect((await t.db.pool.query(`select 1 from towns where slug in ('csrf-ville', 'tarnos')`)).rowCount).toBe(1);
  });
});

describe('Ajouter une commune', () => {
  const valid = {
    slug: 'coutances',
    nom: 'Ville de Coutances',
    nomUtilisateur: 'admin.coutances',
    motDePasse: 'Mairie-Coutances-26',
    courriel: '',
  };

  it('creates the town and its admin, then lists it', async () => {
    const ops = await signedInOperator();
    const form = await ops.get(urls.operatorNewTown());
    expect(form.status).toBe(200);
    const labels = page(form.text).texts('label');
    expect(labels).toEqual([
      '* Identifiant dans les adresses (obligatoire)',
      '* Nom de la commune (obligatoire)',
      "* Nom d'utilisateur (obligatoire)",
      '* Mot de passe (obligatoire)',
      'Adresse de courriel',
    ]);
    const res = await ops
      .post(urls.operatorNewTown())
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...valid });
    expect(res.status).toBe(303);
    const list = await ops.get(res.headers.location!);
    expect(page(list.text).text('.notice')).toBe(
      'La commune Ville de Coutances est créée : son administrateur admin.coutances se connecte à /coutances/agents/connexion.',
    );
    expect(
      page(list.text)
        .rows('table')
        .find((r) => r.header === 'Ville de Coutances')!
        .cells.slice(0, 4),
    ).toEqual(['coutances', '0', '0', '1']);
    expect((await signInAgent(t.agent(), 'coutances', 'admin.coutances', valid.motDePasse)).headers.location).toBe('/coutances/agents');
    const { rows } = await t.db.pool.query(`select actor_label, details from operator_events where action = 'town.create'`);
    expect(rows).toEqual([{ actor_label: 'Opératrice (ops)', details: { name: 'Ville de Coutances', admin: 'admin.coutances' } }]);
  });

  it('says what is wrong with each field, keeps what was typed but the password', async () => {
    const ops = await signedInOperator();
    const token = await csrfToken(ops, urls.operatorNewTown());
    const post = (body: Record<string, string>) =>
      ops
        .post(urls.operatorNewTown())
        .type('form')
        .send({ _csrf: token, ...body });

    const empty = await post({});
    expect(empty.status).toBe(400);
    expect(page(empty.text).title()).toBe('Erreur : Ajouter une commune – Espace Famille');
    expect(errorSummary(empty.text)).toEqual([
      "Saisissez l'identifiant de la commune dans les adresses",
      'Saisissez le nom de la commune',
      "Saisissez un nom d'utilisateur",
      'Saisissez un mot de passe',
    ]);
    expect(page(empty.text).attrs('.error-summary__list a', 'href')).toEqual(['#slug', '#nom', '#nomUtilisateur', '#motDePasse']);
    expect(page(empty.text).all('#slug').attr('aria-invalid')).toBe('true');
    expect(page(empty.text).all('#slug').attr('aria-describedby')).toBe('slug-hint slug-error');

    for (const [body, field, message] of [
      [{ slug: 'Saint Lô' }, 'slug', "L'identifiant ne convient pas"],
      [{ slug: 'exploitation' }, 'slug', 'Cet identifiant est réservé par le portail'],
      [{ slug: 'tarnos' }, 'slug', 'Une commune utilise déjà cet identifiant'],
      [{ nom: 'Ville\u0007' }, 'nom', "Le nom de la commune contient un caractère qui n'est pas accepté"],
      [{ nom: 'x'.repeat(121) }, 'nom', 'Le nom de la commune doit comporter 120 caractères au maximum'],
      [{ nomUtilisateur: 'a@b' }, 'nomUtilisateur', "Le nom d'utilisateur ne peut contenir que"],
      [{ motDePasse: 'motdepasse-court' }, 'motDePasse', 'Le mot de passe doit contenir au moins une majuscule'],
      [{ courriel: 'pas-une-adresse' }, 'courriel', 'Saisissez une adresse de courriel valide'],
    ] as const) {
      const res = await post({ ...valid, slug: 'valognes', ...body });
      expect(res.status, field).toBe(400);
      const p = page(res.text);
      expect(errorSummary(res.text).length, field).toBe(1);
      expect(p.text(`#${field}-error`), field).toContain(message);
      for (const kept of ['slug', 'nom', 'nomUtilisateur', 'courriel'] as const) {
        const typed = { ...valid, slug: 'valognes', ...body }[kept];
        expect(p.all(`#${kept}`).attr('value') ?? '', kept).toBe(typed);
      }
      expect(p.all('#motDePasse').attr('value'), field).toBeUndefined();
    }
    expect((await t.db.pool.query(`select 1 from towns where slug = 'valognes'`)).rowCount).toBe(0);
  });
});

describe('export and removal', () => {
  it('downloads the town as a ZIP', async () => {
    const ops = await signedInOperator();
    const list = await ops.get(urls.operatorTowns());
    const res = await ops
      .post(urls.operatorExportTown('bondoufle'))
      .type('form')
      .send({ _csrf: csrfFrom(list.text) })
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain('export-bondoufle-2026-12-02.zip');
    const entries = await unzip(res.body as Buffer);
    expect(entries.has('LISEZ-MOI.txt')).toBe(true);
    const families = readCsv(entries.get('tables/families.csv')!.toString('utf8'));
    expect(
      families
        .slice(1)
        .map((r) => r[families[0]!.indexOf('name')])
        .sort(),
    ).toEqual(['DURAND', 'MARTIN']);
    const unknown = await ops
      .post(urls.operatorExportTown('nulle-part'))
      .type('form')
      .send({ _csrf: csrfFrom(list.text) });
    expect(unknown.status).toBe(404);
  });

  it('removes a town only when its slug is typed again', async () => {
    const ops = await signedInOperator();
    const form = await ops.get(urls.operatorRemoveTown('bondoufle'));
    expect(form.status).toBe(200);
    expect(page(form.text).heading()).toBe('Supprimer la commune Bondoufle');
    const token = csrfFrom(form.text);
    for (const confirmation of ['', 'tarnos', 'BONDOUFLE']) {
      const res = await ops.post(urls.operatorRemoveTown('bondoufle')).type('form').send({ _csrf: token, confirmation });
      expect(res.status, confirmation).toBe(400);
      expect(errorSummary(res.text)).toEqual([
        "Saisissez exactement l'identifiant de la commune, bondoufle, pour confirmer la suppression",
      ]);
      expect(page(res.text).all('#confirmation').attr('value') ?? '').toBe(confirmation);
    }
    expect((await t.db.pool.query(`select 1 from towns where slug = 'bondoufle'`)).rowCount).toBe(1);
    const done = await ops.post(urls.operatorRemoveTown('bondoufle')).type('form').send({ _csrf: token, confirmation: 'bondoufle' });
    expect(done.status).toBe(303);
    const list = await ops.get(done.headers.location!);
    expect(page(list.text).text('.notice')).toMatch(
      /^La commune Bondoufle \(bondoufle\) est supprimée, avec ses [\d  ]+ lignes de données\.$/,
    );
    expect(
      page(list.text)
        .rows('table')
        .map((r) => r.header),
    ).not.toContain('Bondoufle');
    expect((await t.agent().get('/bondoufle/')).status).toBe(404);
    expect((await ops.get(urls.operatorRemoveTown('bondoufle'))).status).toBe(404);
    expect((await ops.get(urls.operatorRemoveTown('Pas Une Commune'))).status).toBe(404);
  });
});

describe("an operator's session", () => {
  it('ends after 15 minutes without a request', async () => {
    const ops = await signedInOperator();
    t.clock.advance(14 * 60_000);
    expect((await ops.get(urls.operatorTowns())).status).toBe(200);
    t.clock.advance(14 * 60_000);
    expect((await ops.get(urls.operatorTowns())).status).toBe(200);
    t.clock.advance(16 * 60_000);
    expect((await ops.get(urls.operatorTowns())).headers.location).toBe(urls.operatorSignIn());
  });
});
