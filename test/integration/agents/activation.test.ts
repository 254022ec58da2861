import type { AddressInfo } from 'node:net';
import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLE_ENFANCE_PATTERN } from '../../../src/lib/cle-enfance.js';
import { forgetTown } from '../../../src/middleware/town.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createClosure, createParent, familyByKey, town } from '../../helpers/fixtures.js';
import { page, squish } from '../../helpers/html.js';
import { TestSmtpServer } from '../../helpers/smtp.js';

/**
 * Accounts to activate (issue 4): who may see them, the list against the 48-hour promise
 * with an injected clock, the search, the detail, and both decisions with their mail,
 * audit rows and effect on the parent's space.
 */

const MONDAY = '2026-11-23T09:00:00Z'; // Monday 23 November 2026, 10:00 in Paris
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fea7d6a4ec0000000049454e44ae426082',
  'hex',
);

let t: TestApp;
const smtp = new TestSmtpServer();

beforeAll(async () => {
  await smtp.start();
  t = await createTestApp({ now: MONDAY, smtpUrl: smtp.url });
});
afterAll(async () => {
  await t.close();
  await smtp.stop();
});
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set(MONDAY);
});

let seq = 0;
/** A parent who signed up without a key; `confirmedAt` null means the email link was not followed yet. */
async function waitingParent(slug: string, confirmedAt: string | null, overrides: Parameters<typeof createParent>[2] = {}) {
  seq += 1;
  const created = new Date(new Date(confirmedAt ?? MONDAY).getTime() - 10 * 60 * 1000);
  const parent = await createParent(t.db.pool, slug, {
    lastName: `Attente${seq}`,
    firstNames: 'Camille',
    validationStatus: 'awaiting_services',
    validatedAt: null,
    createdAt: created,
    emailConfirmed: confirmedAt !== null,
    ...(confirmedAt ? { emailConfirmedAt: new Date(confirmedAt) } : {}),
    ...overrides,
  });
  return parent;
}

async function agentOf(slug: string, role: 'agent' | 'admin' = 'agent'): Promise<{ http: supertest.Agent; id: string; label: string }> {
  const a = await createAgentFixture(t.db.pool, slug, role);
  const http = t.agent();
  const res = await signInAgent(http, slug, a.username, a.password);
  expect(res.status).toBe(303);
  return { http, id: a.id, label: `${a.displayName} (${a.username})` };
}

/** The text of the list's table row that links to this account. */
function rowOf(html: string, accountId: string): string {
  const p = page(html);
  const rows = p.all('tr').filter((_, tr) => p.$(tr).find(`a[href$="/agents/comptes/${accountId}"]`).length > 0);
  expect(rows, `one row for ${accountId}`).toHaveLength(1);
  return squish(rows.text());
}

/** The accounts linked from the rows of the table `captionId` names, in order. */
function accountsIn(html: string, captionId: string): string[] {
  const p = page(html);
  return p.attrs(`table:has(caption#${captionId}) tbody tr a[href*="/agents/comptes/"]`, 'href').map((href) => href.split('/').pop()!);
}

const noStackTrace = (html: string) => expect(html).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT |syntax error/i);

describe('who sees the accounts to activate', () => {
  it('answers 404 to anonymous visitors, parents, and agents of another town', async () => {
    const parent = await waitingParent('tarnos', MONDAY);
    const paths = ['/tarnos/agents/comptes', `/tarnos/agents/comptes/${parent.id}`, `/tarnos/agents/comptes/${parent.id}/photo`];
    for (const path of paths) expect((await t.agent().get(path)).status, path).toBe(404);

    const signedInParent = await createParent(t.db.pool, 'tarnos');
    const p = t.agent();
    await signIn(p, 'tarnos', signedInParent.username, signedInParent.password);
    for (const path of paths) expect((await p.get(path)).status, path).toBe(404);

    const bayeux = await agentOf('bayeux');
    for (const path of paths) expect((await bayeux.http.get(path)).status, path).toBe(404);
    // The Bayeux agent's own list exists, and its session opens nothing in Tarnos.
    expect((await bayeux.http.get('/bayeux/agents/comptes')).status).toBe(200);
  });

  it("answers 404 for another town's account, whatever the page or the decision", async () => {
    const other = await waitingParent('bayeux', MONDAY, { photo: { content: PNG, type: 'image/png' } });
    const tarnos = await agentOf('tarnos');
    const page = await tarnos.http.get('/tarnos/agents/comptes');
    const token = csrfFrom(page.text);
    expect((await tarnos.http.get(`/tarnos/agents/comptes/${other.id}`)).status).toBe(404);
    expect((await tarnos.http.get(`/tarnos/agents/comptes/${other.id}/photo`)).status).toBe(404);
    expect((await tarnos.http.get('/tarnos/agents/comptes/pas-un-identifiant')).status).toBe(404);
    const activate = await tarnos.http
      .post(`/tarnos/agents/comptes/${other.id}/activer`)
      .type('form')
      .send({ _csrf: token, choix: 'nouveau' });
    expect(activate.status).toBe(404);
    const refuse = await tarnos.http.post(`/tarnos/agents/comptes/${other.id}/refuser`).type('form').send({ _csrf: token, motif: 'Test' });
    expect(refuse.status).toBe(404);
    const { rows } = await t.db.pool.query('select validation_status, family_id from accounts where id = $1', [other.id]);
    expect(rows[0]).toEqual({ validation_status: 'awaiting_services', family_id: null });
  });

  it('refuses both decisions without the CSRF token, and changes nothing', async () => {
    const parent = await waitingParent('tarnos', MONDAY);
    const tarnos = await agentOf('tarnos');
    const noToken = await tarnos.http.post(`/tarnos/agents/comptes/${parent.id}/activer`).type('form').send({ choix: 'nouveau' });
    expect(noToken.status).toBe(403);
    const wrongToken = await tarnos.http
      .post(`/tarnos/agents/comptes/${parent.id}/refuser`)
      .type('form')
      .send({ _csrf: 'x'.repeat(40), motif: 'Test' });
    expect(wrongToken.status).toBe(403);
    const { rows } = await t.db.pool.query('select validation_status from accounts where id = $1', [parent.id]);
    expect(rows[0].validation_status).toBe('awaiting_services');
  });
});

describe('the list against the promise of 48 business hours', () => {
  it('lists the oldest first and flags late ones in words, across a weekend (injected clock)', async () => {
    // Now: Monday 23 November 2026, 10:00 in Paris.
    const thursday = await waitingParent('villennes', '2026-11-19T08:00:00Z'); // Thu 09:00: 15 + 24 + 10 = 49 h
    const friday = await waitingParent('villennes', '2026-11-20T09:00:00Z'); // Fri 10:00: 14 + 10 = 24 h
    const saturday = await waitingParent('villennes', '2026-11-21T10:00:00Z'); // Sat: only Monday's 10 h
    const unconfirmed = await waitingParent('villennes', null, { createdAt: new Date('2026-11-01T10:00:00Z') });
    const validated = await createParent(t.db.pool, 'villennes', { lastName: 'Valide' });
    const agent = await agentOf('villennes');

    const res = await agent.http.get('/villennes/agents/comptes');
    expect(res.status).toBe(200);
    const html = res.text;
    expect(page(html).title()).toBe('Comptes à activer – Villennes-sur-Seine – Espace Famille');
    // The oldest first (other tests' accounts of the town may sit between them).
    const confirmed = accountsIn(html, 'comptes-caption');
    const order = [thursday, friday, saturday].map((p) => confirmed.indexOf(p.id));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    expect(rowOf(html, thursday.id)).toContain('En retard');
    expect(rowOf(html, thursday.id)).toContain('49 heures ouvrées sur 48');
    expect(rowOf(html, thursday.id)).toContain('échéance dépassée depuis le 23/11/2026 à 09:00');
    expect(rowOf(html, friday.id)).toContain('Dans les délais');
    expect(rowOf(html, friday.id)).toContain('24 heures ouvrées sur 48');
    expect(rowOf(html, friday.id)).toContain('à activer avant le 24/11/2026 à 10:00');
    expect(rowOf(html, saturday.id)).toContain('10 heures ouvrées sur 48');
    const summary = page(html)
      .all('p')
      .filter((_, e) => squish(page(html).$(e).text()).startsWith('3 comptes attendent'));
    expect(squish(summary.text())).toBe('3 comptes attendent les services, dont 1 en retard.');
    expect(summary.children('strong').text()).toBe('1 en retard');

    // Unconfirmed accounts are listed apart, with no promise running; validated ones not at all.
    expect(confirmed).not.toContain(unconfirmed.id);
    expect(accountsIn(html, 'non-confirmes-caption')).toContain(unconfirmed.id);
    expect(html).not.toContain(validated.id);

    // Tuesday 10:01 (a new day, a new sign-in): Friday's account is now late too.
    t.clock.set('2026-11-24T09:01:00Z');
    const later = await (await agentOf('villennes')).http.get('/villennes/agents/comptes');
    expect(rowOf(later.text, friday.id)).toContain('En retard');
    expect(rowOf(later.text, saturday.id)).toContain('Dans les délais');
  });

  it('does not count a public holiday (11 novembre) nor a closure day of the town', async () => {
    const tuesday = await waitingParent('bondoufle', '2026-11-10T14:00:00Z'); // Tue 10/11 15:00
    // Thursday 12/11 16:00 in Paris: Tuesday 9 h + Thursday 16 h = 25 h (49 h if 11/11 counted).
    t.clock.set('2026-11-12T15:00:00Z');
    const agent = await agentOf('bondoufle');
    let row = rowOf((await agent.http.get('/bondoufle/agents/comptes')).text, tuesday.id);
    expect(row).toContain('25 heures ouvrées sur 48');
    expect(row).toContain('Dans les délais');
    expect(row).toContain('à activer avant le 13/11/2026 à 15:00');
    // Friday 13/11 15:30: past the deadline.
    t.clock.set('2026-11-13T14:30:00Z');
    const friday = await agentOf('bondoufle');
    row = rowOf((await friday.http.get('/bondoufle/agents/comptes')).text, tuesday.id);
    expect(row).toContain('En retard');

    // The town closes on Friday 13/11: the deadline moves to Monday 16/11 at 15:00.
    await createClosure(t.db.pool, 'bondoufle', { kind: 'closure', label: 'Pont', startDate: '2026-11-13' });
    row = rowOf((await friday.http.get('/bondoufle/agents/comptes')).text, tuesday.id);
    expect(row).toContain('Dans les délais');
    expect(row).toContain('à activer avant le 16/11/2026 à 15:00');
    // A school holiday is not a closure: it changes nothing.
    await createClosure(t.db.pool, 'bondoufle', { kind: 'school_holiday', label: 'Vacances', startDate: '2026-11-16' });
    row = rowOf((await friday.http.get('/bondoufle/agents/comptes')).text, tuesday.id);
    expect(row).toContain('à activer avant le 16/11/2026 à 15:00');
  });

  it("follows the town's activation delay", async () => {
    const parent = await waitingParent('bayeux', '2026-11-20T09:00:00Z'); // 24 h waited on Monday 10:00
    const agent = await agentOf('bayeux');
    const bayeux = await town(t.db.pool, 'bayeux');
    await t.db.pool.query('update towns set activation_delay_hours = 16 where id = $1', [bayeux.id]);
    try {
      // The town row is cached a few seconds per process, as after an admin's settings change.
      forgetTown('bayeux');
      const row = rowOf((await agent.http.get('/bayeux/agents/comptes')).text, parent.id);
      expect(row).toContain('24 heures ouvrées sur 16');
      expect(row).toContain('En retard');
    } finally {
      await t.db.pool.query('update towns set activation_delay_hours = 48 where id = $1', [bayeux.id]);
      forgetTown('bayeux');
    }
  });

  it('searches by name (without accents or case), email and username', async () => {
    const helene = await waitingParent('tarnos', MONDAY, { lastName: 'Bérénice-Lòpez', firstNames: 'Hélène' });
    const other = await waitingParent('tarnos', MONDAY, { lastName: 'Autrenom', firstNames: 'Paul' });
    const unconfirmed = await waitingParent('tarnos', null, { lastName: 'Berenice', firstNames: 'Jules' });
    const agent = await agentOf('tarnos');
    const search = async (q: string) => (await agent.http.get('/tarnos/agents/comptes').query({ q })).text;

    let html = await search('helene berenice');
    expect(html).toContain(helene.id);
    expect(html).not.toContain(other.id);
    html = await search('BERENICE');
    expect(html).toContain(helene.id);
    expect(html).toContain(unconfirmed.id);
    expect(html).toContain('1 compte trouvé pour « BERENICE »');
    html = await search(helene.email.toUpperCase());
    expect(html).toContain(helene.id);
    expect(html).not.toContain(other.id);
    html = await search(other.username);
    expect(html).toContain(other.id);
    expect(html).not.toContain(helene.id);
    // Pattern characters are letters; nothing typed makes a 500.
    for (const q of ['%', '_', "' or 1=1 --", 'x'.repeat(5000), '\u0000']) {
      const res = await agent.http.get('/tarnos/agents/comptes').query({ q });
      // A NUL byte is refused everywhere with the French 400 page (middleware/nul-bytes.ts).
      expect(res.status, q.slice(0, 10)).toBe(q === '\u0000' ? 400 : 200);
      noStackTrace(res.text);
    }
    expect(await search('%')).toContain('Aucun compte ne correspond à cette recherche.');
    // An array in the query string is no search at all.
    expect((await agent.http.get('/tarnos/agents/comptes?q=a&q=b')).status).toBe(200);
  });
  it('shows 50 accounts a page, the oldest first across pages', async () => {
    // 55 sign-ups confirmed one minute apart (no password hashing needed to list them).
    const start = new Date('2026-11-16T08:00:00Z').getTime();
    for (let n = 1; n <= 55; n++) {
      await waitingParent('tarnos', new Date(start + n * 60_000).toISOString(), {
        lastName: 'Paginé',
        firstNames: `Numéro ${String(n).padStart(2, '0')}`,
        civility: 'M',
        passwordHash: 'x',
        createdAt: new Date(start),
      });
    }
    const agent = await agentOf('tarnos');
    const first = await agent.http.get('/tarnos/agents/comptes').query({ q: 'pagine' });
    const firstPage = page(first);
    const names = (p: typeof firstPage) => p.texts('table:has(caption#comptes-caption) tbody tr a[href*="/agents/comptes/"]');
    expect(firstPage.text()).toContain('55 comptes trouvés');
    expect(names(firstPage)).toHaveLength(50);
    expect(names(firstPage)[0]).toBe('Numéro 01 PAGINÉ');
    expect(firstPage.texts('nav.pagination [aria-current="page"]')).toEqual(['Page 1 sur 2']);
    expect(firstPage.links('nav.pagination')).toContainEqual({ href: '/tarnos/agents/comptes?q=pagine&page=2', text: 'Page suivante' });
    const second = page(await agent.http.get('/tarnos/agents/comptes').query({ q: 'pagine', page: '2' }));
    expect(second.title()).toMatch(/^Comptes à activer \(page 2 sur 2\)/);
    expect(names(second)).toEqual(['Numéro 51 PAGINÉ', 'Numéro 52 PAGINÉ', 'Numéro 53 PAGINÉ', 'Numéro 54 PAGINÉ', 'Numéro 55 PAGINÉ']);
    expect((await agent.http.get('/tarnos/agents/comptes').query({ q: 'pagine', page: '9' })).status).toBe(200);
  });
});

describe('the detail of an account', () => {
  it('shows everything the parent entered, and the photo through an agents-only route', async () => {
    const parent = await waitingParent('tarnos', MONDAY, {
      civility: 'Mme',
      lastName: 'Lacoste',
      birthName: 'Etcheverry',
      firstNames: 'Amélie Jeanne',
      birthDate: '1988-06-14',
      birthCountry: 'France',
      birthDepartment: 'Landes',
      birthCommune: 'Dax',
      photo: { content: PNG, type: 'image/png' },
      addressNumber: '3',
      addressStreet: 'Rue des Pins',
      addressBuilding: 'B',
      addressApartment: '12',
      addressComplement: 'Résidence les Dunes',
      postalCode: '40220',
      city: 'Tarnos',
      phone: '05 59 00 00 00',
      mobile: '06 12 34 56 78',
      preferredContact: 'mobile',
    });
    const agent = await agentOf('tarnos');
    const res = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(res.status).toBe(200);
    for (const text of [
      'Amélie Jeanne LACOSTE',
      'Madame',
      'Etcheverry',
      '14/06/1988',
      'Landes',
      'Dax',
      'Rue des Pins',
      'Résidence les Dunes',
      '40220',
      '05 59 00 00 00',
      '06 12 34 56 78',
      parent.email,
      parent.username,
      'Aucune clé Enfance saisie',
      'Dans les délais',
      `/tarnos/agents/comptes/${parent.id}/photo`,
      'Activer et créer le dossier famille',
      'Refuser le compte',
    ]) {
      expect(res.text, text).toContain(text);
    }
    const photo = await agent.http.get(`/tarnos/agents/comptes/${parent.id}/photo`);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.headers['cache-control']).toContain('no-store');
    expect(Buffer.compare(photo.body as Buffer, PNG)).toBe(0);
    // An account without a photo has none to serve.
    const plain = await waitingParent('tarnos', MONDAY);
    expect((await agent.http.get(`/tarnos/agents/comptes/${plain.id}/photo`)).status).toBe(404);
  });

  it('says when the email is not confirmed yet', async () => {
    const parent = await waitingParent('tarnos', null);
    const agent = await agentOf('tarnos');
    const res = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(res.text).toContain('Adresse de courriel pas encore confirmée.');
  });

  it('escapes what the parent typed', async () => {
    const parent = await waitingParent('tarnos', MONDAY, {
      firstNames: '<img src=x onerror=alert(1)>',
      addressStreet: '"><script>alert(1)</script>',
    });
    const agent = await agentOf('tarnos');
    const detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(detail.text).not.toMatch(/<img src=x/i);
    expect(detail.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(detail.text).not.toContain('<script>alert(1)');
    expect(detail.text).toContain('&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const list = await agent.http.get('/tarnos/agents/comptes').query({ q: 'onerror' });
    expect(list.text).not.toMatch(/<img src=x/i);
    expect(list.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('activating an account', () => {
  it('links it to an existing family file found by the search, mails the parent, and opens the family at once', async () => {
    const parent = await waitingParent('tarnos', MONDAY, { lastName: 'Martin', firstNames: 'Sophie' });
    const p = t.agent();
    expect((await signIn(p, 'tarnos', parent.username, parent.password)).status).toBe(303);
    const before = await p.get('/tarnos/mon-espace');
    expect(before.text).toContain('en attente de validation');

    const agent = await agentOf('tarnos');
    const martin = await familyByKey(t.db.pool, 'tarnos', '40220-MARTIN1');
    // Without a search, files of the same name are offered; the search finds by key and by address too.
    let detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(detail.text).toContain('Dossiers au nom de MARTIN');
    expect(page(detail).attrs('input[name="dossier"]', 'value')).toContain(martin.id);
    for (const famille of ['40220-martin1', 'rue des ecoles', 'Léa']) {
      detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`).query({ famille });
      expect(detail.status).toBe(200);
      if (famille === 'Léa') expect(detail.text).toContain('Aucun dossier famille ne correspond à « Léa ».');
      else expect(page(detail).attrs('input[name="dossier"]', 'value'), famille).toContain(martin.id);
    }
    // The search is this town's only.
    detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`).query({ famille: '14400-MARTIN1' });
    expect(detail.text).toContain('Aucun dossier famille ne correspond');

    detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`).query({ famille: 'martin' });
    const res = await agent.http
      .post(`/tarnos/agents/comptes/${parent.id}/activer`)
      .type('form')
      .send({ _csrf: csrfFrom(detail.text), choix: 'existant', famille: 'martin', dossier: martin.id });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/comptes');
    const flash = await agent.http.get('/tarnos/agents/comptes');
    expect(flash.text).toContain(
      'Le compte de Sophie MARTIN est activé et rattaché au dossier famille MARTIN. Un courriel en informe le parent.',
    );
    expect(flash.text).not.toContain(parent.id);

    const { rows } = await t.db.pool.query('select validation_status, validated_at, family_id from accounts where id = $1', [parent.id]);
    expect(rows[0]).toEqual({ validation_status: 'validated', validated_at: new Date(MONDAY), family_id: martin.id });

    // The parent's open session sees the family on the next page.
    const after = await p.get('/tarnos/mon-espace');
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('en attente de validation');
    expect(after.text).toContain('Dossier famille MARTIN');
    expect(after.text).toContain('Léa');

    expect(await t.deliverMail()).toBeGreaterThan(0);
    const mails = smtp.to(parent.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Votre espace famille est validé');
    expect(mails[0]!.text).toContain('Bonjour M. MARTIN,');
    expect(mails[0]!.text).toContain('rattaché au dossier famille MARTIN');
    expect(mails[0]!.text).toContain('http://portail.test/tarnos/');

    const audit = await t.db.pool.query(
      `select action, agent_id, target_type, target_id, details, ip from audit_log where target_id = $1 order by id`,
      [parent.id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({
      action: 'account.activate',
      agent_id: agent.id,
      target_type: 'account',
      details: { familyId: martin.id, familyName: 'MARTIN', newFamily: false },
    });
    expect(audit.rows[0].ip).toBeTruthy();

    // Deciding again is refused without a second mail.
    const again = await agent.http
      .post(`/tarnos/agents/comptes/${parent.id}/refuser`)
      .type('form')
      .send({ _csrf: csrfFrom(detail.text), motif: 'Doublon' });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`/tarnos/agents/comptes/${parent.id}`);
    const shown = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(shown.text).toContain('Ce compte a déjà été traité');
    expect(shown.text).toContain('Compte activé');
    expect(shown.text).not.toContain('Refuser le compte');
    await t.deliverMail();
    expect(smtp.to(parent.email)).toHaveLength(1);
  });

  it('creates a new family file from the identity, with a new Clé Enfance', async () => {
    const parent = await waitingParent('tarnos', MONDAY, {
      lastName: 'Nouvelle-Famille',
      firstNames: 'Inès',
      civility: 'Mme',
      addressNumber: '8',
      addressStreet: 'Allée des Chênes',
      addressApartment: '4',
      postalCode: '40220',
      city: 'Tarnos',
    });
    const agent = await agentOf('tarnos');
    const detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(detail.text).toContain('NOUVELLE-FAMILLE');
    expect(detail.text).toContain('8 Allée des Chênes, appartement 4, 40220 Tarnos');
    const res = await agent.http
      .post(`/tarnos/agents/comptes/${parent.id}/activer`)
      .type('form')
      .send({ _csrf: csrfFrom(detail.text), choix: 'nouveau' });
    expect(res.status).toBe(303);

    const { rows } = await t.db.pool.query(
      `select a.validation_status, f.id, f.name, f.cle_enfance, f.address_line, f.postal_code, f.city, f.town_id
         from accounts a join families f on f.id = a.family_id where a.id = $1`,
      [parent.id],
    );
    expect(rows).toHaveLength(1);
    const family = rows[0];
    expect(family).toMatchObject({
      validation_status: 'validated',
      name: 'NOUVELLE-FAMILLE',
      address_line: '8 Allée des Chênes, appartement 4',
      postal_code: '40220',
      city: 'Tarnos',
      town_id: (await town(t.db.pool, 'tarnos')).id,
    });
    expect(family.cle_enfance).toMatch(CLE_ENFANCE_PATTERN);
    const same = await t.db.pool.query('select count(*)::int as n from families where town_id = $1 and cle_enfance = $2', [
      family.town_id,
      family.cle_enfance,
    ]);
    expect(same.rows[0].n).toBe(1);
    const flash = await agent.http.get('/tarnos/agents/comptes');
    expect(flash.text).toContain(`nouveau dossier, clé Enfance ${family.cle_enfance}`);

    const audit = await t.db.pool.query(
      `select action, target_id, details from audit_log where agent_id = $1 and action <> 'agent.sign_in' order by id`,
      [agent.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['family.create', 'account.activate']);
    expect(audit.rows[0].target_id).toBe(family.id);
    expect(audit.rows[1].details).toMatchObject({ familyId: family.id, newFamily: true });

    await t.deliverMail();
    const mail = smtp.to(parent.email)[0]!;
    expect(mail.text).toContain('Bonjour Mme NOUVELLE-FAMILLE,');
    expect(mail.text).toContain('rattaché au dossier famille NOUVELLE-FAMILLE');
  });

  it('asks for a family file when none is chosen, and answers 404 for a file of another town', async () => {
    const parent = await waitingParent('tarnos', MONDAY, { lastName: 'Durand' });
    const agent = await agentOf('tarnos');
    const detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`).query({ famille: 'durand' });
    const token = csrfFrom(detail.text);
    for (const dossier of [undefined, '', 'pas-un-identifiant']) {
      const res = await agent.http
        .post(`/tarnos/agents/comptes/${parent.id}/activer`)
        .type('form')
        .send({ _csrf: token, choix: 'existant', famille: 'durand', ...(dossier === undefined ? {} : { dossier }) });
      expect(res.status).toBe(400);
      const refused = page(res);
      expect(refused.title()).toMatch(/^Erreur : Compte de Camille DURAND/);
      expect(refused.errorSummary()).toEqual([{ field: 'dossier', message: 'Choisissez le dossier famille auquel rattacher le compte' }]);
      expect(refused.fieldError('dossier')).toBe('Choisissez le dossier famille auquel rattacher le compte');
      // The search is kept, so the radios are there to choose from.
      expect(refused.text()).toContain('Dossiers trouvés pour « durand »');
      expect(refused.one('input[id="dossier"]').attr('type')).toBe('radio');
    }
    const bayeuxDurand = await familyByKey(t.db.pool, 'bayeux', '14400-DURAND2');
    const foreign = await agent.http
      .post(`/tarnos/agents/comptes/${parent.id}/activer`)
      .type('form')
      .send({ _csrf: token, choix: 'existant', dossier: bayeuxDurand.id });
    expect(foreign.status).toBe(404);
    const { rows } = await t.db.pool.query('select validation_status, family_id from accounts where id = $1', [parent.id]);
    expect(rows[0]).toEqual({ validation_status: 'awaiting_services', family_id: null });
    const outbox = await t.db.pool.query(`select count(*)::int as n from mail_outbox where to_address = $1`, [parent.email]);
    expect(outbox.rows[0].n).toBe(0);
  });
});

describe('refusing an account', () => {
  it('requires a reason, keeps what was typed, and refuses absurd input without a 500', async () => {
    const parent = await waitingParent('tarnos', MONDAY);
    const agent = await agentOf('tarnos');
    const token = csrfFrom((await agent.http.get(`/tarnos/agents/comptes/${parent.id}`)).text);
    const post = (body: Record<string, unknown>) =>
      agent.http
        .post(`/tarnos/agents/comptes/${parent.id}/refuser`)
        .type('form')
        .send({ _csrf: token, ...body });

    for (const body of [{}, { motif: '' }, { motif: '   ' }]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const refused = page(res);
      expect(refused.title()).toMatch(/^Erreur : /);
      expect(refused.errorSummary()).toEqual([{ field: 'motif', message: 'Saisissez le motif du refus' }]);
      expect(refused.fieldError('motif')).toBe('Saisissez le motif du refus');
    }
    const long = 'Trop long. '.repeat(100);
    const tooLong = await post({ motif: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('Le motif doit comporter 1\u202f000 caractères au maximum');
    expect(tooLong.text).toContain(long.slice(0, 50));
    const control = await post({ motif: 'Motif\u0000' });
    expect(control.status).toBe(400);
    const array = await agent.http
      .post(`/tarnos/agents/comptes/${parent.id}/refuser`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(token)}&motif=a&motif=b`);
    expect(array.status).toBe(303);
  });

  it('refuses with the reason: mail, audit row, and the parent is signed out at once', async () => {
    const parent = await waitingParent('tarnos', MONDAY, { lastName: 'Refus' });
    const p = t.agent();
    expect((await signIn(p, 'tarnos', parent.username, parent.password)).status).toBe(303);
    expect((await p.get('/tarnos/mon-espace')).status).toBe(200);

    const agent = await agentOf('tarnos');
    const token = csrfFrom((await agent.http.get(`/tarnos/agents/comptes/${parent.id}`)).text);
    const reason = 'Aucun enfant scolarisé dans la commune : adressez-vous à la mairie de votre domicile.\nMerci.';
    const res = await agent.http.post(`/tarnos/agents/comptes/${parent.id}/refuser`).type('form').send({ _csrf: token, motif: reason });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tarnos/agents/comptes');

    const { rows } = await t.db.pool.query('select validation_status, refusal_reason, family_id from accounts where id = $1', [parent.id]);
    expect(rows[0]).toEqual({ validation_status: 'refused', refusal_reason: reason, family_id: null });
    // The parent's session is gone, and signing in again fails generically.
    const after = await p.get('/tarnos/mon-espace');
    expect(after.status).toBe(303);
    const sessions = await t.db.pool.query(`select count(*)::int as n from session where (sess::jsonb ->> 'accountId') = $1`, [parent.id]);
    expect(sessions.rows[0].n).toBe(0);
    expect((await signIn(t.agent(), 'tarnos', parent.username, parent.password)).status).toBe(401);

    await t.deliverMail();
    const mails = smtp.to(parent.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Votre demande d'espace famille n'a pas été acceptée");
    expect(mails[0]!.text).toContain('Bonjour M. REFUS,');
    expect(mails[0]!.text).toContain('Motif : Aucun enfant scolarisé dans la commune');

    const audit = await t.db.pool.query(`select action, agent_id, details from audit_log where target_id = $1`, [parent.id]);
    expect(audit.rows).toEqual([{ action: 'account.refuse', agent_id: agent.id, details: { username: parent.username, reason } }]);

    // The account leaves the list and its detail says why.
    expect((await agent.http.get('/tarnos/agents/comptes')).text).not.toContain(`/agents/comptes/${parent.id}"`);
    const detail = await agent.http.get(`/tarnos/agents/comptes/${parent.id}`);
    expect(detail.text).toContain('Compte refusé.');
    expect(detail.text).not.toContain('Activer et créer le dossier famille');
  });
});

describe('the message after a decision', () => {
  it('is stored before the 303 leaves, for a browser that follows it at once', async () => {
    // A real socket: a browser reads the 303's headers and asks for the next page while
    // express-session may still be writing the session. The session writes are slowed
    // down here so that a redirect sent before the write would lose the message every time.
    const server = t.app.listen(0);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = t.db.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
    const query = pool.query.bind(pool);
    try {
      const cookies = new Map<string, string>();
      const remember = (res: Response) => {
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const [name, value] = pair!.split('=');
          cookies.set(name!, value!);
        }
      };
      const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const get = async (path: string) => {
        const res = await fetch(base + path, { headers: { cookie: cookie() }, redirect: 'manual' });
        remember(res);
        return res;
      };
      const post = async (path: string, form: Record<string, string>) => {
        const res = await fetch(base + path, {
          method: 'POST',
          headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded', origin: base },
          body: new URLSearchParams(form).toString(),
          redirect: 'manual',
        });
        remember(res);
        return res;
      };
      const a = await createAgentFixture(t.db.pool, 'tarnos');
      const signin = await get('/tarnos/agents/connexion');
      const signedIn = await post('/tarnos/agents/connexion', {
        _csrf: csrfFrom(await signin.text()),
        identifiant: a.username,
        motDePasse: a.password,
      });
      expect(signedIn.status).toBe(303);
      await signedIn.text();
      const parent = await waitingParent('tarnos', MONDAY);
      const detail = await get(`/tarnos/agents/comptes/${parent.id}`);
      const token = csrfFrom(await detail.text());

      pool.query = (text: unknown, ...rest: unknown[]) =>
        typeof text === 'string' && text.startsWith('INSERT INTO "session"')
          ? new Promise((r) => setTimeout(r, 300)).then(() => query(text, ...rest))
          : query(text, ...rest);
      const refused = await post(`/tarnos/agents/comptes/${parent.id}/refuser`, { _csrf: token, motif: 'Doublon' });
      expect(refused.status).toBe(303);
      // Follow before reading the body, as a browser does.
      const next = await get(refused.headers.get('location')!);
      expect(await next.text()).toContain('est refusé. Un courriel en donne le motif au parent.');
      await refused.text();
    } finally {
      pool.query = query;
      await new Promise((r) => server.close(r));
    }
  });
});

describe("the agents' home page", () => {
  it('says how many accounts wait and how many are late, with a link to the list', async () => {
    // A town of its own for exact counts: no other test of this file signs parents up in it.
    const agent = await agentOf('villennes');
    const villennes = await town(t.db.pool, 'villennes');
    await t.db.pool.query(
      `update accounts set validation_status = 'validated' where town_id = $1 and validation_status = 'awaiting_services'`,
      [villennes.id],
    );
    let home = await agent.http.get('/villennes/agents');
    expect(home.text).toContain('Aucun compte à activer.');

    await waitingParent('villennes', '2026-11-19T08:00:00Z'); // late on Monday 10:00
    await waitingParent('villennes', '2026-11-18T08:00:00Z'); // late
    await waitingParent('villennes', '2026-11-20T09:00:00Z'); // on time
    await waitingParent('villennes', null); // not counted: the email is not confirmed
    home = await agent.http.get('/villennes/agents');
    expect(home.status).toBe(200);
    expect(page(home).links()).toContainEqual({ href: '/villennes/agents/comptes', text: '3 comptes à activer' });
    expect(home.text).toContain('2 en retard');
    // The recent activity shows this agent's sign-in.
    expect(home.text).toContain(`${agent.label} – Connexion`);
    // Agents (not admins) get no link to the audit log.
    expect(home.text).not.toContain('/villennes/agents/journal');
    expect(home.text).toContain('Comptes à activer</a>');
    expect(home.text).not.toContain('>Équipe</a>');
  });
});
