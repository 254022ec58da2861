import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { pdf, png } from '../../helpers/files.js';
import { town } from '../../helpers/fixtures.js';
import { page as parse } from '../../helpers/html.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';

let t: TestApp;
let agent: SignedInAgent;
let otherTownAgent: SignedInAgent;
let serviceId: string;
const LIST = '/tarnos/agents/infos-pratiques';
const NEW = `${LIST}/nouvelle`;
const NOW = '2026-11-23T09:00:00Z';

beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  agent = await signedIn(t, 'tarnos', 'agent');
  otherTownAgent = await signedIn(t, 'bayeux', 'admin');
  const townId = (await town(t.db.pool, 'tarnos')).id;
  const { rows } = await t.db.pool.query<{ id: string }>(`select id from town_services where town_id = $1 order by position limit 1`, [
    townId,
  ]);
  serviceId = rows[0]!.id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
  t.clock.set(NOW);
});

const valid = (overrides: Record<string, string> = {}) => ({
  titre: 'Périscolaire',
  adresse: 'periscolaire',
  service: serviceId,
  texte: '# Horaires\n\n- matin : 7 h 30\n- soir : 18 h 30\n\nVoir [le site](https://example.org).',
  ...overrides,
});

async function pageId(slug: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>(
    `select p.id from practical_pages p join towns t on t.id = p.town_id where t.slug = 'tarnos' and p.slug = $1`,
    [slug],
  );
  return rows[0]!.id;
}

function upload(who: SignedInAgent, path: string, file: { content: Buffer; filename: string; contentType: string }, token = who.token) {
  return who.agent
    .post(path)
    .field('_csrf', token)
    .attach('fichiers', file.content, { filename: file.filename, contentType: file.contentType });
}

describe('Infos pratiques, public pages', () => {
  it('lists the services with their contacts and their published pages; the home links to it', async () => {
    const res = await t.agent().get('/tarnos/infos-pratiques');
    expect(res.status).toBe(200);
    const p = parse(res);
    expect(p.heading()).toBe('Infos pratiques');
    expect(p.texts('main h2')).toEqual(['Direction Éducation Enfance Jeunesse']);
    expect(p.links('main .practical-links')).toEqual([
      expect.objectContaining({ text: 'Accueil de loisirs', href: '/tarnos/infos-pratiques/accueil-de-loisirs' }),
      expect.objectContaining({ text: 'Restauration scolaire', href: '/tarnos/infos-pratiques/restauration-scolaire' }),
    ]);
    const home = parse(await t.agent().get('/tarnos/'));
    expect(home.links('main').map((l) => l.href)).toContain('/tarnos/infos-pratiques');
  });

  it('shows a page: its rendered Markdown, its files with type and size, the service’s contact', async () => {
    const res = await t.agent().get('/tarnos/infos-pratiques/restauration-scolaire');
    expect(res.status).toBe(200);
    const p = parse(res);
    expect(p.heading()).toBe('Restauration scolaire');
    expect(p.texts('.markdown-body h2')).toEqual(['Horaires', 'Réserver les repas']);
    expect(p.all('.markdown-body table td').first().text()).toBe('Lundi, mardi, jeudi, vendredi');
    expect(p.one('.markdown-body a[href="https://www.mangerbouger.fr"]').attr('rel')).toBe('noopener noreferrer');
    expect(p.text('.file-list')).toMatch(/^Menus de décembre\.pdf \(PDF, \d+ Ko\)$/);
    expect(p.text('.practical-contact h2')).toBe('Nous contacter : Direction Éducation Enfance Jeunesse');
  });

  it('serves a file as a download with its name, its type and nosniff', async () => {
    const p = parse(await t.agent().get('/tarnos/infos-pratiques/restauration-scolaire'));
    const href = p.attrs('.file-list a', 'href')[0]!;
    const res = await t.agent().get(href).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Menus de decembre.pdf"; filename*=UTF-8''Menus%20de%20d%C3%A9cembre.pdf`,
    );
    expect((res.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The same file under another town, or another page's address, is unknown.
    expect((await t.agent().get(href.replace('/tarnos/', '/bayeux/'))).status).toBe(404);
    expect((await t.agent().get(href.replace('restauration-scolaire', 'accueil-de-loisirs'))).status).toBe(404);
  });

  it('answers 404 for an unknown page, another town’s page, and a draft', async () => {
    expect((await t.agent().get('/tarnos/infos-pratiques/inconnue')).status).toBe(404);
    await t.db.pool.query(
      `update practical_pages set slug = 'seulement-bayeux' where slug = 'accueil-de-loisirs' and town_id = (select id from towns where slug = 'bayeux')`,
    );
    expect((await t.agent().get('/tarnos/infos-pratiques/seulement-bayeux')).status).toBe(404);
    expect((await t.agent().get('/bayeux/infos-pratiques/seulement-bayeux')).status).toBe(200);
  });
});

describe('Infos pratiques written by agents', () => {
  it('previews without saving, then saves a draft the public cannot see, and audits it', async () => {
    const preview = await post(agent, NEW, { ...valid(), action: 'apercu' });
    expect(preview.status).toBe(200);
    const p = parse(preview);
    expect(p.texts('.markdown-preview .markdown-body li')).toEqual(['matin : 7 h 30', 'soir : 18 h 30']);
    expect(p.fieldValue('titre')).toBe('Périscolaire');
    expect((await t.db.pool.query(`select 1 from practical_pages where slug = 'periscolaire'`)).rowCount).toBe(0);

    const res = await post(agent, NEW, valid());
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(LIST);
    const list = parse(await agent.agent.get(LIST));
    expect(list.row('Périscolaire (modifier)').el.find('.status-tag').text()).toBe('Brouillon');
    expect((await t.agent().get('/tarnos/infos-pratiques/periscolaire')).status).toBe(404);
    const id = await pageId('periscolaire');
    const [row] = await auditRows(t, agent.id, 'practical_page.create');
    expect(row).toMatchObject({ target_type: 'practical_page', target_id: id, details: { title: 'Périscolaire', slug: 'periscolaire' } });
  });

  it('publishes, then the page is public; unpublishes, and it is 404 again', async () => {
    const id = await pageId('periscolaire');
    expect((await post(agent, `${LIST}/${id}/publier`)).status).toBe(303);
    const pub = await t.agent().get('/tarnos/infos-pratiques/periscolaire');
    expect(pub.status).toBe(200);
    expect(parse(pub).texts('.markdown-body li')).toEqual(['matin : 7 h 30', 'soir : 18 h 30']);
    expect((await post(agent, `${LIST}/${id}/retirer`)).status).toBe(303);
    expect((await t.agent().get('/tarnos/infos-pratiques/periscolaire')).status).toBe(404);
    expect((await auditRows(t, agent.id)).map((r) => r.action)).toEqual(
      expect.arrayContaining(['practical_page.publish', 'practical_page.unpublish']),
    );
  });

  it('stores the sanitised HTML of what an agent types', async () => {
    const id = await pageId('periscolaire');
    const texte = '<script>alert(1)</script>\n\n[clic](javascript:alert(1))\n\n<img src=x onerror=alert(1)>';
    expect((await post(agent, `${LIST}/${id}/modifier`, valid({ texte }))).status).toBe(303);
    const { rows } = await t.db.pool.query<{ body_html: string }>(`select body_html from practical_pages where id = $1`, [id]);
    const html = parse(`<main>${rows[0]!.body_html}</main>`);
    expect(html.has('script')).toBe(false);
    expect(html.has('img')).toBe(false);
    expect(html.attrs('a', 'href').filter((h) => h.toLowerCase().startsWith('javascript'))).toEqual([]);
  });

  it.each([
    ['a blank title', { titre: '  ' }, 'titre', 'Saisissez le titre de la page'],
    ['a title too long', { titre: 'x'.repeat(151) }, 'titre', 'Le titre doit contenir 150 caractères au maximum'],
    ['a blank text', { texte: '' }, 'texte', 'Saisissez le texte de la page'],
    ['a text too long', { texte: 'x'.repeat(20_001) }, 'texte', 'Le texte doit contenir 20 000 caractères au maximum'],
    ['an address with accents', { adresse: 'périscolaire' }, 'adresse', expect.stringContaining('L’adresse ne peut contenir que')],
    ['an address too long', { adresse: 'a'.repeat(81) }, 'adresse', 'L’adresse doit contenir 80 caractères au maximum'],
    ['no service', { service: '' }, 'service', 'Choisissez le service concerné'],
    ['another town’s service', { service: '00000000-0000-4000-8000-000000000000' }, 'service', 'Choisissez le service concerné'],
    [
      'an address already taken',
      { adresse: 'restauration-scolaire' },
      'adresse',
      'Une autre page utilise déjà cette adresse : choisissez-en une autre',
    ],
  ])('refuses %s with a message by the field and the typed values', async (_what, overrides, field, message) => {
    const res = await post(agent, NEW, valid({ titre: 'Page refusée', ...overrides }));
    expect(res.status).toBe(400);
    const p = parse(res);
    expect(p.errorSummary()).toEqual([{ field, message }]);
    expect(p.fieldError(field)).toEqual(message);
    if (field !== 'titre') expect(p.fieldValue('titre')).toBe('Page refusée');
  });

  it('refuses a form without its CSRF token', async () => {
    const res = await agent.agent
      .post(NEW)
      .type('form')
      .send(valid({ adresse: 'sans-jeton' }));
    expect(res.status).toBe(403);
    expect((await t.db.pool.query(`select 1 from practical_pages where slug = 'sans-jeton'`)).rowCount).toBe(0);
  });

  it('attaches a PDF, shown on the public page, and removes it', async () => {
    const id = await pageId('restauration-scolaire');
    const res = await upload(agent, `${LIST}/${id}/fichiers`, {
      content: pdf('Menu'),
      filename: 'Menu janvier.pdf',
      contentType: 'application/pdf',
    });
    expect(res.status).toBe(303);
    const pub = parse(await t.agent().get('/tarnos/infos-pratiques/restauration-scolaire'));
    expect(pub.texts('.file-list a').sort()).toEqual(['Menu janvier.pdf', 'Menus de décembre.pdf']);
    const edit = parse(await agent.agent.get(`${LIST}/${id}/modifier`));
    const item = edit.all('.file-list li').filter((_, li) => edit.$(li).text().includes('Menu janvier.pdf'));
    const remove = item.find('form').attr('action')!;
    expect((await post(agent, remove)).status).toBe(303);
    expect(parse(await t.agent().get('/tarnos/infos-pratiques/restauration-scolaire')).texts('.file-list a')).toEqual([
      'Menus de décembre.pdf',
    ]);
    expect((await auditRows(t, agent.id)).map((r) => r.action)).toEqual(
      expect.arrayContaining(['practical_page.file_add', 'practical_page.file_remove']),
    );
  });

  it.each([
    [
      'a file of a refused type',
      { content: Buffer.from('MZ executable'), filename: 'virus.exe', contentType: 'application/octet-stream' },
      400,
    ],
    ['a PNG named .pdf', { content: png(), filename: 'menu.pdf', contentType: 'application/pdf' }, 400],
    ['a file too big', { content: pdf('Gros', 3200 * 1024 + 1), filename: 'gros.pdf', contentType: 'application/pdf' }, 413],
  ])('refuses %s beside the file field', async (_what, file, status) => {
    const id = await pageId('restauration-scolaire');
    const res = await upload(agent, `${LIST}/${id}/fichiers`, file);
    expect(res.status).toBe(status);
    const p = parse(res);
    expect(p.errorSummary().map((e) => e.field)).toEqual(['fichiers']);
    expect(p.fieldError('fichiers')).toBeTruthy();
  });

  it('refuses an upload without its CSRF token', async () => {
    const id = await pageId('restauration-scolaire');
    const res = await upload(
      agent,
      `${LIST}/${id}/fichiers`,
      { content: pdf(), filename: 'a.pdf', contentType: 'application/pdf' },
      'faux',
    );
    expect(res.status).toBe(403);
  });

  it('gives an agent of another town a 404 for this town’s pages', async () => {
    const id = await pageId('restauration-scolaire');
    expect((await otherTownAgent.agent.get(`/bayeux/agents/infos-pratiques/${id}/modifier`)).status).toBe(404);
    expect((await post(otherTownAgent, `/bayeux/agents/infos-pratiques/${id}/publier`)).status).toBe(404);
    expect((await otherTownAgent.agent.get(`${LIST}`)).status).toBe(404);
    expect((await t.agent().get(LIST)).status).toBe(404);
  });
});
