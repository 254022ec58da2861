import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { audit } from '../../../src/lib/audit.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, createParent, town } from '../../helpers/fixtures.js';
import { page as parse, squish } from '../../helpers/html.js';

/** The audit log viewer (issue 4): admins only, this town's rows only, filters, pages, read-only. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set('2026-11-23T09:00:00Z');
});

async function signedIn(slug: string, role: 'agent' | 'admin') {
  const a = await createAgentFixture(t.db.pool, slug, role);
  const http = t.agent();
  expect((await signInAgent(http, slug, a.username, a.password)).status).toBe(303);
  return { ...a, http };
}

/** Rows of the page's table, in order, as their text. */
/** The text of each row of the log's table. */
function tableRows(html: string): string[] {
  const p = parse(html);
  return p
    .all('table tbody')
    .first()
    .children('tr')
    .toArray()
    .map((tr) => squish(p.$(tr).text()));
}

/** The details of a row of the log's table, as [name, value] pairs. */
function rowDetails(html: string, index: number): [string, string][] {
  const p = parse(html);
  const tr = p.all('table tbody').first().children('tr').eq(index);
  return tr
    .find('li')
    .toArray()
    .map((li) => [p.$(li).children('span.muted').text(), p.$(li).children('span.break-anywhere').text()]);
}

describe('who reads the audit log', () => {
  it('answers 404 to anonymous visitors, parents, agents, and admins of another town', async () => {
    expect((await t.agent().get('/tarnos/agents/journal')).status).toBe(404);
    const parent = await createParent(t.db.pool, 'tarnos');
    const p = t.agent();
    await signIn(p, 'tarnos', parent.username, parent.password);
    expect((await p.get('/tarnos/agents/journal')).status).toBe(404);
    const agent = await signedIn('tarnos', 'agent');
    expect((await agent.http.get('/tarnos/agents/journal')).status).toBe(404);
    expect((await agent.http.get('/tarnos/agents')).text).not.toContain('/tarnos/agents/journal');
    const bayeux = await signedIn('bayeux', 'admin');
    expect((await bayeux.http.get('/tarnos/agents/journal')).status).toBe(404);
    expect((await bayeux.http.get('/bayeux/agents/journal')).status).toBe(200);
  });

  it('offers no way to change or delete a row', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const page = await admin.http.get('/tarnos/agents/journal');
    expect(
      parse(page)
        .attrs('form[method="post"]', 'action')
        .filter((a) => a.startsWith('/tarnos/agents/journal')),
    ).toEqual([]);
    expect(page.text).not.toMatch(/Supprimer|Modifier la ligne/);
    const token = csrfFrom(page.text);
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const res = await admin.http[method]('/tarnos/agents/journal').type('form').send({ _csrf: token });
      expect(res.status, method).toBe(404);
    }
    const { rows } = await t.db.pool.query(`select count(*)::int as n from audit_log where agent_id = $1`, [admin.id]);
    expect(rows[0].n).toBe(1);
  });
});

describe('reading and filtering', () => {
  it("shows this town's rows only, newest first, filtered by action, agent and Paris days, 50 a page", async () => {
    const bondoufle = await town(t.db.pool, 'bondoufle');
    const bayeux = await town(t.db.pool, 'bayeux');
    // A town no other test of this file writes to: the admin's sign-in is its first row.
    const admin = await signedIn('bondoufle', 'admin');
    const other = await createAgentFixture(t.db.pool, 'bondoufle');
    const base = { townId: bondoufle.id, ip: '203.0.113.7' };
    await audit(t.db.pool, {
      ...base,
      agentId: other.id,
      actorLabel: 'Autre Agent (autre)',
      action: 'account.refuse',
      targetType: 'account',
      targetId: '11111111-1111-4111-8111-111111111111',
      details: { reason: '<script>alert(1)</script>' },
      at: new Date('2026-11-20T23:30:00Z'), // Saturday 21/11 00:30 in Paris
    });
    await audit(t.db.pool, {
      ...base,
      agentId: other.id,
      actorLabel: 'Autre Agent (autre)',
      action: 'account.activate',
      targetType: 'account',
      targetId: '22222222-2222-4222-8222-222222222222',
      details: { familyName: 'MARTIN', newFamily: false },
      at: new Date('2026-11-20T22:30:00Z'), // Friday 20/11 23:30 in Paris
    });
    await audit(t.db.pool, {
      townId: bayeux.id,
      agentId: null,
      actorLabel: 'Agent de Bayeux',
      action: 'account.activate',
      at: new Date('2026-11-21T10:00:00Z'),
    });

    const all = await admin.http.get('/bondoufle/agents/journal');
    expect(all.status).toBe(200);
    expect(parse(all).title()).toBe('Journal des actions – Bondoufle – Espace Famille');
    expect(all.text).not.toContain('Agent de Bayeux');
    let rows = tableRows(all.text);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('Connexion');
    expect(rows[1]).toContain("Refus d'un compte");
    expect(rows[1]).toContain('21/11/2026 à 00:30');
    expect(rows[1]).toContain('203.0.113.7');
    // Shown as text, not run: the parser finds it in the text and no script element in the row.
    expect(rows[1]).toContain('<script>alert(1)</script>');
    expect(parse(all).all('table tbody tr').eq(1).find('script')).toHaveLength(0);
    expect(rows[1]).toContain('11111111-1111-4111-8111-111111111111');
    expect(rows[2]).toContain("Activation d'un compte");
    expect(rowDetails(all.text, 2)).toContainEqual(['newFamily :', 'non']);

    // By action.
    rows = tableRows((await admin.http.get('/bondoufle/agents/journal').query({ action: 'account.activate' })).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('MARTIN');
    // By agent.
    rows = tableRows((await admin.http.get('/bondoufle/agents/journal').query({ agent: admin.id })).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Connexion');
    // By Paris days: 21/11 holds the row of 00:30 in Paris (23:30 UTC on 20/11), not Friday's 23:30.
    rows = tableRows((await admin.http.get('/bondoufle/agents/journal').query({ du: '21/11/2026', au: '21/11/2026' })).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Refus');
    rows = tableRows((await admin.http.get('/bondoufle/agents/journal').query({ au: '20/11/2026' })).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Activation');
    const combined = await admin.http
      .get('/bondoufle/agents/journal')
      .query({ du: '1/11/2026', action: 'account.refuse', agent: other.id });
    expect(tableRows(combined.text)).toHaveLength(1);
    expect(combined.text).toContain('1 ligne pour ces filtres.');
    // The filters stay in the form.
    expect(parse(combined).fieldValue('du')).toBe('1/11/2026');
    expect(parse(combined).selected('action')).toBe('account.refuse');
    const none = await admin.http.get('/bondoufle/agents/journal').query({ action: 'news.publish' });
    expect(none.text).toContain('Aucune action à afficher.');

    // 60 more rows: two pages, the filters carried by the page links.
    for (let i = 0; i < 60; i++) {
      await audit(t.db.pool, {
        ...base,
        agentId: other.id,
        actorLabel: 'Autre Agent (autre)',
        action: 'family.update',
        targetType: 'family',
        targetId: `famille-${i}`,
        at: new Date(Date.UTC(2026, 9, 1, 8, i)),
      });
    }
    const first = await admin.http.get('/bondoufle/agents/journal').query({ action: 'family.update' });
    expect(tableRows(first.text)).toHaveLength(50);
    expect(parse(first).text()).toContain('Page 1 sur 2');
    expect(tableRows(first.text)[0]).toContain('famille-59');
    expect(parse(first).attrs('a', 'href')).toContain('/bondoufle/agents/journal?action=family.update&page=2');
    const second = await admin.http.get('/bondoufle/agents/journal').query({ action: 'family.update', page: '2' });
    expect(parse(second).title()).toMatch(/^Journal des actions \(page 2 sur 2\)/);
    const secondRows = tableRows(second.text);
    expect(secondRows).toHaveLength(10);
    expect(parse(second).all('table tbody').first().children('tr').eq(9).find('td[data-label="Objet"] span.break-anywhere').text()).toBe(
      'famille-0',
    );
    // A page past the end, or no page at all, is no error.
    expect((await admin.http.get('/bondoufle/agents/journal').query({ page: '999' })).status).toBe(200);
    expect((await admin.http.get('/bondoufle/agents/journal').query({ page: '-1' })).status).toBe(200);
  });

  it('refuses invalid filters with a message beside the field, and no 500', async () => {
    const admin = await signedIn('tarnos', 'admin');
    const cases: [Record<string, string>, string, string][] = [
      [{ du: '31/02/2026' }, 'du', 'La date de début doit être une date réelle, comme 21/11/2026'],
      [{ au: 'demain' }, 'au', 'La date de fin doit être une date réelle'],
      [{ du: '21/11/2026', au: '20/11/2026' }, 'au', 'La date de fin doit être la même que la date de début ou après'],
      [{ action: 'drop table' }, 'action', 'Choisissez une action de la liste'],
      [{ agent: "' or 1=1 --" }, 'agent', 'Choisissez un agent de la liste'],
    ];
    for (const [query, field, message] of cases) {
      const res = await admin.http.get('/tarnos/agents/journal').query(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      const refused = parse(res);
      expect(refused.title()).toMatch(/^Erreur : Journal des actions/);
      expect(refused.errorSummary().find((e) => e.field === field)?.message).toMatch(new RegExp(`^${message.replace(/[()]/g, '\\$&')}`));
      expect(refused.fieldError(field)).toMatch(new RegExp(`^${message.replace(/[()]/g, '\\$&')}`));
      expect(res.text).not.toMatch(/syntax error|node_modules/);
    }
    const kept = await admin.http.get('/tarnos/agents/journal').query({ du: '31/02/2026', au: '30/11/2026' });
    expect(parse(kept).fieldValue('du')).toBe('31/02/2026');
    expect(parse(kept).fieldValue('au')).toBe('30/11/2026');
    // Arrays in the query are reduced to their first value.
    expect((await admin.http.get('/tarnos/agents/journal?action=agent.sign_in&action=x')).status).toBe(200);
  });
});
