import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { page as parse } from '../../helpers/html.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import { createParent, town } from '../../helpers/fixtures.js';
import { fieldErrorOf, summaryOf, textOf, titleOf } from '../signup/signup-helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from './helpers.js';

let t: TestApp;
let admin: SignedInAgent;
let townId: string;
const CGU = '/tarnos/agents/parametres/cgu';
const MENTIONS = '/tarnos/agents/parametres/mentions-legales';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  admin = await signedIn(t, 'tarnos', 'admin');
  townId = (await town(t.db.pool, 'tarnos')).id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

async function versions(kind: 'cgu' | 'mentions_legales') {
  const { rows } = await t.db.pool.query<{ version: number; body: string; created_at: Date; published_by: string | null }>(
    `select version, body, created_at, published_by from town_texts where town_id = $1 and kind = $2 order by version`,
    [townId, kind],
  );
  return rows;
}

/** The textarea's content, as the browser would submit it again. */
function textareaOf(html: string): string {
  return parse(html).one('textarea#texte').text();
}

describe('the CGU, versioned', () => {
  it('shows the version in force, its text ready to edit, and every version', async () => {
    const page = await admin.agent.get(CGU);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe("Conditions générales d'utilisation – Ville de Tarnos – Espace Famille");
    const [v1] = await versions('cgu');
    expect(textareaOf(page.text)).toBe(v1!.body);
    const text = textOf(page.text);
    expect(text).toContain('Version en vigueur : version 1');
    expect(text).toContain('Publier la version 2');
    expect(text).toContain('Chaque parent devra accepter la nouvelle version à sa prochaine connexion.');
    expect(text).toContain('Version 1 (en vigueur)');
  });

  it.each([
    ['', 'Saisissez le texte'],
    [' \r\n \r\n ', 'Saisissez le texte'],
    ['x'.repeat(50_001), 'Le texte doit contenir 50 000 caractères au maximum'],
  ])('refuses an empty or too long text (%#), keeping what was typed', async (texte, message) => {
    const before = await versions('cgu');
    const res = await post(admin, CGU, { texte });
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toMatch(/^Erreur : Conditions générales d'utilisation/);
    expect(summaryOf(res.text)).toEqual([['texte', message]]);
    expect(fieldErrorOf(res.text, 'texte')).toBe(message);
    expect(parse(res).one('textarea#texte').attr('aria-invalid')).toBe('true');
    if (texte.trim()) expect(textareaOf(res.text)).toBe(texte);
    expect(await versions('cgu')).toEqual(before);
  });

  it('refuses to publish the text in force again (every parent would have to accept it for nothing)', async () => {
    const [v1] = await versions('cgu');
    const res = await post(admin, CGU, { texte: `${v1!.body.replace(/\n/g, '\r\n')}\r\n` });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([
      ['texte', 'Le texte est identique à la version en vigueur : modifiez-le avant de publier une nouvelle version'],
    ]);
    expect(await versions('cgu')).toHaveLength(1);
  });

  it('publishes version 2 without touching version 1; a parent must accept it at the next sign-in', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    const before = t.agent();
    await signIn(before, 'tarnos', parent.username, parent.password);
    expect((await before.get('/tarnos/mon-espace')).status).toBe(200);

    const [v1] = await versions('cgu');
    const body = `${v1!.body}\r\n\r\nArticle 8 – Actualités\r\nLa commune publie ses actualités sur le portail.`;
    const res = await post(admin, CGU, { texte: body });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(CGU);
    const page = await admin.agent.get(CGU);
    expect(page.text).toContain('La version 2 des conditions générales d’utilisation est publiée.');
    expect(textOf(page.text)).toContain('Version 2 (en vigueur)');

    const all = await versions('cgu');
    expect(all.map((v) => v.version)).toEqual([1, 2]);
    expect(all[0]).toEqual(v1);
    expect(all[1]!.body).toBe(body.replace(/\r\n/g, '\n'));
    expect(all[1]!.published_by).toBe(admin.label);
    expect(all[1]!.created_at).toEqual(new Date('2026-11-23T09:00:00Z'));

    const [row] = await auditRows(t, admin.id, 'cgu.publish');
    expect(row).toMatchObject({ target_type: 'town_text', target_id: 'cgu:2', details: { kind: 'cgu', version: 2 } });

    // Next sign-in: the CGU page before anything else; the session already open is sent there too.
    const next = t.agent();
    expect((await signIn(next, 'tarnos', parent.username, parent.password)).status).toBe(303);
    const dashboard = await next.get('/tarnos/mon-espace');
    expect(dashboard.status).toBe(303);
    expect(dashboard.headers.location).toBe('/tarnos/mon-espace/conditions-generales');
    expect((await before.get('/tarnos/mon-espace')).headers.location).toBe('/tarnos/mon-espace/conditions-generales');
    const accept = await next.get('/tarnos/mon-espace/conditions-generales');
    expect(accept.text).toContain('Article 8 – Actualités');
    expect(parse(accept).attrs('input[name="version"]', 'value')).toEqual(['2']);
    expect(
      (
        await next
          .post('/tarnos/mon-espace/conditions-generales')
          .type('form')
          .send({ _csrf: csrfFrom(accept.text), version: '2' })
      ).status,
    ).toBe(303);
    expect((await next.get('/tarnos/mon-espace')).status).toBe(200);

    // The public page shows the version in force.
    expect(textOf((await t.agent().get('/tarnos/cgu')).text)).toContain('Article 8 – Actualités');
  });

  it('shows a past version read-only', async () => {
    const [v1] = await versions('cgu');
    const page = await admin.agent.get(`${CGU}/versions/1`);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe("Conditions générales d'utilisation – version 1 – Ville de Tarnos – Espace Famille");
    expect(textOf(page.text)).toContain(textOf(`<main>${v1!.body.split('\n\n')[1]}</main>`));
    expect(textOf(page.text)).toContain('Une version publiée ne se modifie pas');
    expect(parse(page).has('textarea')).toBe(false);
    expect(
      parse(page)
        .attrs('form', 'action')
        .filter((a) => a.startsWith('/tarnos/agents/parametres/cgu')),
    ).toEqual([]);
    expect(parse(await admin.agent.get(CGU)).attrs('a', 'href')).toContain('/tarnos/agents/parametres/cgu/versions/1');
  });

  it('two admins publishing at once get two versions, one after the other', async () => {
    const other = await signedIn(t, 'tarnos', 'admin');
    const [a, b] = await Promise.all([post(admin, CGU, { texte: 'Version A' }), post(other, CGU, { texte: 'Version B' })]);
    expect([a.status, b.status]).toEqual([303, 303]);
    const all = await versions('cgu');
    expect(all.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect(
      all
        .slice(2)
        .map((v) => v.body)
        .sort(),
    ).toEqual(['Version A', 'Version B']);
  });
});

describe('the mentions légales, versioned the same way', () => {
  it('publishes version 2, shown on the public page; parents are asked nothing', async () => {
    const parent = await createParent(t.db.pool, 'tarnos');
    // The parent has accepted the CGU in force: only a new mentions légales version is published.
    await t.db.pool.query(
      `update accounts set cgu_version_accepted = (select max(version) from town_texts where town_id = $1 and kind = 'cgu') where id = $2`,
      [townId, parent.id],
    );
    const [v1] = await versions('mentions_legales');
    const res = await post(admin, MENTIONS, { texte: 'MENTIONS LÉGALES\n\nÉditeur : Ville de Tarnos, 40220 Tarnos.' });
    expect(res.status).toBe(303);
    expect((await admin.agent.get(MENTIONS)).text).toContain('La version 2 des mentions légales est publiée.');
    const all = await versions('mentions_legales');
    expect(all[0]).toEqual(v1);
    expect(all[1]!.version).toBe(2);
    expect(textOf((await t.agent().get('/tarnos/mentions-legales')).text)).toContain('Éditeur : Ville de Tarnos, 40220 Tarnos.');
    const [row] = await auditRows(t, admin.id, 'mentions_legales.publish');
    expect(row).toMatchObject({ target_id: 'mentions_legales:2', details: { kind: 'mentions_legales', version: 2 } });

    const agent = t.agent();
    await signIn(agent, 'tarnos', parent.username, parent.password);
    expect((await agent.get('/tarnos/mon-espace')).status).toBe(200);
  });

  it('refuses an empty text and shows past versions read-only', async () => {
    const res = await post(admin, MENTIONS, { texte: '' });
    expect(res.status).toBe(400);
    expect(summaryOf(res.text)).toEqual([['texte', 'Saisissez le texte']]);
    const past = await admin.agent.get(`${MENTIONS}/versions/1`);
    expect(past.status).toBe(200);
    expect(titleOf(past.text)).toBe('Mentions légales – version 1 – Ville de Tarnos – Espace Famille');
  });
});
