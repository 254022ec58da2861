import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { pdf, png } from '../../helpers/files.js';
import { createParent, createRequest } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { NEW_CHILD, postForm, postMultipart, requestIdFrom, signedInAgent, signedInFamily } from './helpers.js';

/** The dashboard and its entries; the conversation forms; the agents' queue and its filters. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

async function newRequest(agent: ReturnType<TestApp['agent']>, name: string) {
  const path = '/tarnos/mon-espace/famille/ajouter-un-membre/enfant';
  const res = await postForm(agent, path, path, { ...NEW_CHILD, nom: name });
  return requestIdFrom(res.headers.location);
}

describe('the dashboard', () => {
  it('has MON ESPACE, every entry of MON TABLEAU DE BORD as a working link, MA FAMILLE and the news', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'ARPEGE', 'Emma', {
      parent: { addressNumber: '10', addressStreet: 'La Rue Creuse', mobile: '06 34 25 86 15' },
    });
    const res = await agent.get('/tarnos/mon-espace');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Bonjour Monsieur ARPEGE.');
    for (const text of ['Mon espace', 'Jean ARPEGE', '10 La Rue Creuse', fam.parent.email, '06 34 25 86 15', 'Mes identifiants']) {
      expect(res.text).toContain(text);
    }
    const entries: [string, string][] = [
      ['Dernières demandes', '/tarnos/mon-espace/demandes'],
      ['Échanges à lire', '/tarnos/mon-espace/echanges'],
      ['Mon compte', '/tarnos/mon-espace/compte'],
      ['Pièces justificatives', '/tarnos/mon-espace/pieces-justificatives'],
      ['Coordonnées', '/tarnos/mon-espace/coordonnees'],
      ['Mes factures', '/tarnos/mon-espace/factures'],
      ['Édition de documents', '/tarnos/mon-espace/edition-de-documents'],
    ];
    for (const [title, href] of entries) {
      expect(parse(res).attrs('a', 'href')).toContain(href);
      expect(res.text).toContain(title);
      // No dead link: each entry opens a page.
      expect((await agent.get(href)).status, href).toBe(200);
    }
    expect(res.text).toContain('Aucun message non lu');
    expect(res.text).toContain('Ma famille');
    expect(res.text).toContain('Emma ARPEGE');
    expect(res.text).toContain('Ajouter un membre');
    expect(res.text).toContain('Actualités');
    expect(res.text).toContain('Réservation des repas');
  });

  it('opens Mes factures, empty for a family not invoiced yet, and Édition de documents', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'FACTURE');
    const invoices = await agent.get('/tarnos/mon-espace/factures');
    expect(parse(invoices).heading()).toBe('Mes factures');
    expect(parse(invoices).text()).toContain("Vous n'avez pas encore de facture.");
    const editions = await agent.get('/tarnos/mon-espace/edition-de-documents');
    expect(parse(editions).texts('main h2')).toEqual(expect.arrayContaining(['Attestation fiscale', 'Attestation de paiement']));
    const account = await agent.get('/tarnos/mon-espace/compte');
    expect(parse(account).heading()).toBe('Mon compte');
    expect(account.text).toContain('Télécharger mes données');
    expect(account.text).toContain('FACTURE');
  });

  it('shows the latest requests with their status in words, and counts them', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'COMPTE');
    await newRequest(agent, 'COMPTE');
    const res = await agent.get('/tarnos/mon-espace');
    expect(res.text).toContain('1 demande, leur historique et leur statut');
    expect(parse(res).text()).toContain("Ajout d'un membre : Lucas COMPTE (enfant)");
    expect(parse(res).texts('span')).toContain('Envoyée');
  });

  it('says why the family is closed and what to do, for an account without a family file', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const agent = t.agent();
    await signIn(agent, 'tarnos', parent.username, parent.password);
    const res = await agent.get('/tarnos/mon-espace');
    expect(res.text).toContain("Votre espace n'est rattaché à aucun dossier famille.");
    const family = await agent.get('/tarnos/mon-espace/famille');
    expect(family.status).toBe(200);
    expect(family.text).toContain('clé Enfance');
    // Its own requests still work.
    expect((await agent.get('/tarnos/mon-espace/demandes')).status).toBe(200);
  });
});

describe('Dernières demandes and Échanges à lire', () => {
  it('lists requests newest first, and pages them', async () => {
    const agent = t.agent();
    const fam = await signedInFamily(t.db.pool, agent, 'tarnos', 'ORDRE');
    const first = await newRequest(agent, 'PREMIER');
    t.clock.advance(60_000);
    const second = await newRequest(agent, 'SECOND');
    const list = await agent.get('/tarnos/mon-espace/demandes');
    expect(list.text.indexOf(second)).toBeLessThan(list.text.indexOf(first));
    // 21 more: a second page.
    for (let i = 0; i < 21; i++) {
      await createRequest(t.db.pool, 'tarnos', {
        familyId: fam.familyId,
        accountId: fam.parent.id,
        summary: `Ancienne ${i}`,
        now: new Date(Date.now() - 86_400_000),
      });
    }
    const page1 = await agent.get('/tarnos/mon-espace/demandes');
    expect(page1.text).toContain('23 demandes.');
    expect(page1.text).toContain('Page 1 sur 2');
    expect(parse(page1).attrs('a', 'href')).toContain('/tarnos/mon-espace/demandes?page=2');
    const page2 = await agent.get('/tarnos/mon-espace/demandes?page=2');
    expect(page2.text).toContain('Page 2 sur 2');
    expect((await agent.get('/tarnos/mon-espace/demandes?page=abc')).status).toBe(200);
    t.clock.set('2026-11-23T09:00:00Z');
  });

  it('lists the services’ messages, unread first, and marks them read when the request is opened', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'LECTURE');
    const id = await newRequest(agent, 'LECTURE');
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    await postMultipart(back, page, `${page}/messages`, { message: 'Premier message des services' });
    const inbox = await agent.get('/tarnos/mon-espace/echanges');
    expect(inbox.text).toContain('1 message non lu');
    expect(inbox.text).toContain('Premier message des services');
    expect(inbox.text).toContain('>Non lu<');
    await agent.get(`/tarnos/mon-espace/demandes/${id}`);
    const after = await agent.get('/tarnos/mon-espace/echanges');
    expect(after.text).toContain('Aucun message non lu.');
    expect(after.text).toContain('>Lu<');
    const { rows } = await t.db.pool.query(`select read_at from request_messages where request_id = $1 and author_kind = 'agent'`, [id]);
    expect(rows[0].read_at).not.toBeNull();
  });
});

describe('the message forms', () => {
  it('refuse an empty or too long message, a bad file (400) or a too large one (413), keeping the text, and store nothing', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'FORMS');
    const id = await newRequest(agent, 'FORMS');
    const page = `/tarnos/mon-espace/demandes/${id}`;
    const action = `${page}/messages`;
    const empty = await postMultipart(agent, page, action, { message: '   ' });
    expect(empty.status).toBe(400);
    expect(parse(empty).errorSummary()).toContainEqual({ field: 'message', message: 'Saisissez votre message' });
    expect(parse(empty).title()).toMatch(/^Erreur : /);
    const long = await postMultipart(agent, page, action, { message: 'x'.repeat(5001) });
    expect(long.status).toBe(400);
    expect(long.text).toContain('Le message doit comporter 5000 caractères au maximum');
    const renamed = await postMultipart(agent, page, action, { message: 'Voici' }, [{ name: 'faux.pdf', content: png() }]);
    expect(renamed.status).toBe(400);
    expect(
      parse(renamed)
        .errorSummary()
        .map((e) => e.field),
    ).toContain('fichiers');
    expect(parse(renamed).fieldValue('message')).toBe('Voici');
    const big = await postMultipart(agent, page, action, { message: 'Voici' }, [{ name: 'gros.pdf', content: pdf('Gros', 3_276_801) }]);
    expect(big.status).toBe(413);
    expect(big.text).toContain('3200 Ko');
    const five = await postMultipart(
      agent,
      page,
      action,
      { message: 'Voici' },
      Array.from({ length: 5 }, (_, i) => ({ name: `p${i}.png`, content: png() })),
    );
    expect(five.status).toBe(400);
    const { rows } = await t.db.pool.query(
      `select (select count(*)::int from request_messages where request_id = $1) as m, (select count(*)::int from request_attachments where request_id = $1) as f`,
      [id],
    );
    // Only the message sent with the request.
    expect(rows[0]).toEqual({ m: 1, f: 0 });
    // The largest accepted file, and four of them.
    const ok = await postMultipart(agent, page, action, { message: 'Quatre pièces' }, [
      { name: 'a.pdf', content: pdf('A', 3_276_800) },
      { name: 'b.png', content: png() },
      { name: 'c.png', content: png() },
      { name: 'd.png', content: png() },
    ]);
    expect(ok.status).toBe(303);
    expect((await t.db.pool.query(`select count(*)::int as n from request_attachments where request_id = $1`, [id])).rows[0].n).toBe(4);
  });

  it('refuse a post without the CSRF token (403) and store nothing', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'JETON');
    const id = await newRequest(agent, 'JETON');
    const noToken = await agent
      .post(`/tarnos/mon-espace/demandes/${id}/messages`)
      .set('Sec-Fetch-Site', 'same-origin')
      .field('message', 'Sans jeton');
    expect(noToken.status).toBe(403);
    const urlencoded = await agent.post(`/tarnos/mon-espace/demandes/${id}/messages`).type('form').send({ message: 'Sans jeton' });
    expect(urlencoded.status).toBe(403);
    const crossSite = await agent
      .post(`/tarnos/mon-espace/demandes/${id}/messages`)
      .set('Sec-Fetch-Site', 'cross-site')
      .field('message', 'x');
    expect(crossSite.status).toBe(403);
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    expect((await back.post(`${page}/statut`).type('form').send({ action: 'accepter' })).status).toBe(403);
    expect((await back.post(`${page}/messages`).set('Sec-Fetch-Site', 'same-origin').field('message', 'x')).status).toBe(403);
    expect((await back.post(`${page}/messages`).set('Sec-Fetch-Site', 'cross-site').field('message', 'x')).status).toBe(403);
    const { rows } = await t.db.pool.query(
      `select status, (select count(*)::int from request_messages where request_id = $1) as n from requests where id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ status: 'sent', n: 1 });
  });

  it('limit what one account sends in an hour (429), before reading any file', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'FLOT');
    const id = await newRequest(agent, 'FLOT');
    const page = `/tarnos/mon-espace/demandes/${id}`;
    const token = csrfFrom((await agent.get(page)).text);
    for (let i = 0; i < 30; i++)
      expect((await postMultipart(agent, page, `${page}/messages`, { message: `n° ${i}` }, [], token)).status).toBe(303);
    const over = await postMultipart(agent, page, `${page}/messages`, { message: 'de trop' }, [{ name: 'p.png', content: png() }], token);
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    const { rows } = await t.db.pool.query(
      `select (select count(*)::int from request_messages where request_id = $1) as m, (select count(*)::int from request_attachments where request_id = $1) as f`,
      [id],
    );
    // The one sent with the request, and thirty.
    expect(rows[0]).toEqual({ m: 31, f: 0 });
    // New requests have their own budget: the first request counted, 29 more pass, the next is refused.
    const adult = '/tarnos/mon-espace/famille/ajouter-un-membre/adulte';
    const form = csrfFrom((await agent.get(adult)).text);
    const send = () => agent.post(adult).type('form').send({ _csrf: form, civilite: 'M', prenoms: 'Paul', nom: 'Flot' });
    for (let i = 0; i < 29; i++) expect((await send()).status).toBe(303);
    expect((await send()).status).toBe(429);
  });

  it('refuses an unknown agent action', async () => {
    const agent = t.agent();
    await signedInFamily(t.db.pool, agent, 'tarnos', 'ACTION');
    const id = await newRequest(agent, 'ACTION');
    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'tarnos');
    const page = `/tarnos/agents/demandes/${id}`;
    const res = await postForm(back, page, `${page}/statut`, { action: 'supprimer' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choisissez une action');
  });
});

describe('the agents’ queue', () => {
  it('lists requests oldest first, filters by type, status and family name, and counts what waits on the home page', async () => {
    const p1 = t.agent();
    await signedInFamily(t.db.pool, p1, 'bondoufle', 'ANCIEN');
    const old = await newRequestIn(p1, 'bondoufle', 'ANCIEN');
    t.clock.advance(3600_000);
    const p2 = t.agent();
    const fam2 = await signedInFamily(t.db.pool, p2, 'bondoufle', 'RÉCENT');
    const recent = await newRequestIn(p2, 'bondoufle', 'RECENT');
    const path = '/bondoufle/mon-espace/coordonnees/telephones';
    await postForm(p2, path, path, { telephone: '', mobile: '0611111111', fax: '', moyenContactPrefere: 'mobile' });
    t.clock.set('2026-11-23T09:00:00Z');

    const back = t.agent();
    await signedInAgent(t.db.pool, back, 'bondoufle');
    const queue = await back.get('/bondoufle/agents/demandes');
    expect(queue.status).toBe(200);
    expect(queue.text.indexOf(old)).toBeLessThan(queue.text.indexOf(recent));
    expect(queue.text).toContain('3 demandes');
    const byType = await back.get('/bondoufle/agents/demandes?type=contact_change');
    expect(byType.text).toContain('1 demande');
    expect(byType.text).toContain('Changement de téléphones');
    const byName = await back.get(`/bondoufle/agents/demandes?recherche=${encodeURIComponent('recent')}`);
    expect(byName.text).toContain('2 demandes');
    expect(byName.text).not.toContain(old);
    expect(parse(byName).attrs('input', 'value')).toContain('recent');
    const accepted = await back.get('/bondoufle/agents/demandes?statut=accepted');
    expect(accepted.text).toContain('0 demande');
    // Unknown filter values are ignored, not errors; SQL in the search is just text.
    expect((await back.get('/bondoufle/agents/demandes?type=drop&statut=x')).status).toBe(200);
    expect((await back.get(`/bondoufle/agents/demandes?recherche=${encodeURIComponent("' or 1=1 --")}`)).text).toContain('0 demande');

    // The home page says how many wait.
    const home = await back.get('/bondoufle/agents');
    expect(home.text).toMatch(/3 demandes? (des familles )?à traiter/);
    await postForm(back, `/bondoufle/agents/demandes/${old}`, `/bondoufle/agents/demandes/${old}/statut`, { action: 'accepter' });
    expect((await back.get('/bondoufle/agents')).text).toMatch(/2 demandes (des familles )?à traiter/);
    expect(fam2.parent.lastName).toBe('RÉCENT');
  });
});

async function newRequestIn(agent: ReturnType<TestApp['agent']>, slug: string, name: string) {
  const path = `/${slug}/mon-espace/famille/ajouter-un-membre/enfant`;
  const res = await postForm(agent, path, path, { ...NEW_CHILD, nom: name });
  return requestIdFrom(res.headers.location);
}
