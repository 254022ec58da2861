import crypto from 'node:crypto';
import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { jpeg, pdf, png } from '../../helpers/files.js';
import { createMessage, createRequest } from '../../helpers/fixtures.js';
import { textOf, titleOf } from '../signup/signup-helpers.js';
import { addDocument, signedInParent, type SignedInParent } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-10T10:00:00+01:00' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const binary = (res: supertest.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

/** Every entry of a ZIP, read with yauzl (a different library from the one that wrote it). */
function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

async function download(p: SignedInParent, town = 'tarnos') {
  const page = await p.agent.get(urls.myData(town));
  expect(page.status).toBe(200);
  return p.agent
    .post(urls.myDataDownload(town))
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .buffer(true)
    .parse(binary);
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function tableExists(name: string): Promise<boolean> {
  const { rows } = await t.db.pool.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`public.${name}`]);
  return rows[0]!.ok;
}

describe('Télécharger mes données', () => {
  const otherMarker = `AUTREFAMILLE${crypto.randomBytes(4).toString('hex')}`;
  let me: SignedInParent;
  const myFiles = { caf: pdf('CAF de moi'), recto: png(), photo: jpeg() };

  beforeAll(async () => {
    me = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    await addDocument(t, me, 'Attestation CAF', [
      { content: myFiles.caf, filename: 'caf.pdf' },
      { content: myFiles.recto, filename: 'recto.png', contentType: 'image/png' },
    ]);
    await addDocument(t, me, 'Carte/identité: "recto"', [
      { content: myFiles.photo, filename: '../../photo.jpg', contentType: 'image/jpeg' },
    ]);
    // Someone else's documents, in the same family file and in another one.
    const coParent = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    await addDocument(t, coParent, `Document du co-parent ${otherMarker}`, [{ content: pdf(otherMarker), filename: `${otherMarker}.pdf` }]);
    const other = await signedInParent(t, 'tarnos', '40220-DURAND2');
    await addDocument(t, other, `Autre famille ${otherMarker}`, [{ content: pdf(otherMarker), filename: 'autre.pdf' }]);
    // Requests and messages, where that feature's tables exist.
    if (await tableExists('requests')) {
      const insert = async (familyId: string | null, accountId: string, summary: string) => {
        const requestId = await createRequest(t.db.pool, 'tarnos', { familyId, accountId, summary });
        await createMessage(t.db.pool, 'tarnos', { requestId, accountId, body: `Message : ${summary}` });
      };
      await insert(me.familyId, me.accountId, 'Ajout de Lucas');
      await insert(other.familyId, other.accountId, `Demande ${otherMarker}`);
    }
  });

  it('explains the archive on its own page, linked from the documents page', async () => {
    const list = await me.agent.get(urls.documents('tarnos'));
    expect(parse(list).attrs('a', 'href')).toContain(urls.myData('tarnos'));
    const page = await me.agent.get(urls.myData('tarnos'));
    expect(titleOf(page.text)).toMatch(/^Mes données personnelles – /);
    expect(textOf(page.text)).toContain("L'archive est un fichier ZIP");
    const download = parse(page).one(`form[action="${urls.myDataDownload('tarnos')}"]`);
    expect([download.attr('method'), download.is('[novalidate]')]).toEqual(['post', true]);
  });

  it('streams a ZIP of the account’s and family’s data as JSON plus the stored files, and nothing of anyone else', async () => {
    const res = await download(me);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="mes-donnees-tarnos-2026-03-10.zip"; filename*=UTF-8''mes-donnees-tarnos-2026-03-10.zip`,
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-store');

    const zip = res.body as Buffer;
    expect(zip.toString('latin1')).not.toContain(otherMarker);
    const entries = await unzip(zip);
    const names = [...entries.keys()];
    expect(names).toContain('LISEZ-MOI.txt');
    expect(names).toContain('donnees.json');
    for (const name of names) {
      expect(name.startsWith('/') || name.split('/').includes('..'), name).toBe(false);
      expect(entries.get(name)!.toString('latin1')).not.toContain(otherMarker);
    }

    const json = JSON.parse(entries.get('donnees.json')!.toString('utf8')) as Record<string, unknown>;
    const text = JSON.stringify(json);
    // No credentials: no password hash, no token, no Clé Enfance.
    expect(text).not.toMatch(/password|\$argon2|token_hash|cle_enfance|40220-MARTIN1/);

    const compte = json.compte as Record<string, unknown>;
    expect(compte.id).toBe(me.accountId);
    expect(compte.username).toBe(me.username);
    expect((json.famille as Record<string, unknown>).id).toBe(me.familyId);
    const children = await t.db.pool.query<{ id: string }>(`select id from children where family_id = $1 order by id`, [me.familyId]);
    expect((json.enfants as { id: string }[]).map((c) => c.id).sort()).toEqual(children.rows.map((r) => r.id));
    expect((json.adultes_du_foyer as { is_me: boolean }[]).filter((a) => a.is_me)).toHaveLength(1);

    // The owner's documents only (not the co-parent's), each file byte for byte at its path.
    const docs = json.pieces_justificatives as {
      intitule: string;
      fichiers: { nom: string; sha256: string; chemin_dans_l_archive: string }[];
    }[];
    expect(docs.map((d) => d.intitule).sort()).toEqual(['Attestation CAF', 'Carte/identité: "recto"']);
    const files = docs.flatMap((d) => d.fichiers);
    expect(files).toHaveLength(3);
    for (const f of files) {
      const content = entries.get(f.chemin_dans_l_archive);
      expect(content, f.chemin_dans_l_archive).toBeDefined();
      expect(sha256(content!)).toBe(f.sha256);
    }
    const bySha = new Map(files.map((f) => [f.sha256, f.chemin_dans_l_archive]));
    expect(bySha.get(sha256(myFiles.caf))).toMatch(/^pieces-justificatives\/\d\d-Attestation CAF\/1-caf\.pdf$/);
    // A title with a slash and a file name with ../ stay inside their folder.
    expect(bySha.get(sha256(myFiles.photo))).toMatch(/^pieces-justificatives\/\d\d-Carte-identité_ _recto_\/1-photo\.jpg$/);

    if (await tableExists('requests')) {
      expect((json.demandes as { summary: string }[]).map((r) => r.summary)).toEqual(['Ajout de Lucas']);
      expect((json.echanges as { body: string }[]).map((m) => m.body)).toEqual(['Message : Ajout de Lucas']);
    }
    expect(entries.get('LISEZ-MOI.txt')!.toString('utf8')).toContain(
      'Votre mot de passe et vos codes de connexion ne figurent pas dans cette archive.',
    );
  });

  it('records the export in the audit log, without any content', async () => {
    const { rows } = await t.db.pool.query<{ actor_label: string; target_id: string; details: unknown }>(
      `select actor_label, target_id, details from audit_log where action = 'account.data_export' and target_id = $1`,
      [me.accountId],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toEqual({ actor_label: `Parent (${me.username})`, target_id: me.accountId, details: {} });
  });

  it('exports an account without a family file: its own data, no family', async () => {
    const alone = await signedInParent(t);
    await addDocument(t, alone, 'Seul', [{ content: pdf('seul'), filename: 'seul.pdf' }]);
    const res = await download(alone);
    expect(res.status).toBe(200);
    const json = JSON.parse((await unzip(res.body as Buffer)).get('donnees.json')!.toString('utf8')) as Record<string, unknown>;
    expect(json.famille).toBeNull();
    expect(json.enfants).toEqual([]);
    expect((json.pieces_justificatives as unknown[]).length).toBe(1);
    expect(JSON.stringify(json)).not.toContain('"intitule":"Attestation CAF"');
  });

  it('refuses a POST without its token (403) and sends visitors to sign in', async () => {
    const res = await me.agent.post(urls.myDataDownload('tarnos')).type('form').send({});
    expect(res.status).toBe(403);
    const visitor = await t.agent().get(urls.myData('tarnos'));
    expect(visitor.status).toBe(303);
  });

  it('allows five exports an hour per account, then says when to come back', async () => {
    for (let i = 0; i < 5; i++) expect((await download(me)).status).toBe(200);
    const res = await download(me);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const html = (res.body as Buffer).toString('utf8');
    expect(textOf(html)).toContain('Vous avez déjà téléchargé vos données plusieurs fois en peu de temps');
  });
});
