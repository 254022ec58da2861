import type supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, csrfFrom, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { signIn, signInAgent } from '../../helpers/auth.js';
import { createAgentFixture, GOOD_PASSWORD } from '../../helpers/fixtures.js';
import { pdf, png } from '../../helpers/files.js';
import { textOf, titleOf } from '../signup/signup-helpers.js';
import { addDocument, countRows, FIELDS, postDocument, signedInParent, type SignedInParent } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-10T10:00:00+01:00' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

/** The CSRF token of whatever session the agent holds, read from a page with a form. */
async function tokenOf(agent: supertest.Agent, town: string): Promise<string> {
  for (const path of [urls.documents(town), urls.agentHome(town), urls.signIn(town), urls.townHome(town)]) {
    const res = await agent.get(path);
    if (res.status === 200 && /name="_csrf"/.test(res.text)) return csrfFrom(res.text);
  }
  throw new Error('no page with a token');
}

describe('download', () => {
  it('serves the file as an attachment, typed from its content, with headers that forbid rendering and caching', async () => {
    const p = await signedInParent(t);
    const content = pdf('CAF');
    const doc = await addDocument(t, p, 'Attestation', [
      { content, filename: 'Attestation CAF été.pdf' },
      // Whatever type the browser claims, the stored one comes from the content.
      { content: png(), filename: 'recto.png', contentType: 'application/octet-stream' },
    ]);
    const res = await p.agent.get(urls.documentFile('tarnos', doc.id, doc.fileIds[0]!)).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Attestation CAF ete.pdf"; filename*=UTF-8''Attestation%20CAF%20%C3%A9t%C3%A9.pdf`,
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
    expect(Buffer.compare(res.body as Buffer, content)).toBe(0);

    const image = await p.agent.get(urls.documentFile('tarnos', doc.id, doc.fileIds[1]!)).buffer(true);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['content-disposition']).toMatch(/^attachment; /);
  });

  it('answers 404 for a file of another document of the same owner, and for ids that are not ids', async () => {
    const p = await signedInParent(t);
    const a = await addDocument(t, p, 'Premier', [{ content: pdf(), filename: 'a.pdf' }]);
    const b = await addDocument(t, p, 'Second', [{ content: pdf(), filename: 'b.pdf' }]);
    expect((await p.agent.get(urls.documentFile('tarnos', a.id, b.fileIds[0]!))).status).toBe(404);
    expect((await p.agent.get(urls.documentFile('tarnos', 'pas-un-id', b.fileIds[0]!))).status).toBe(404);
    expect((await p.agent.get(urls.documentFile('tarnos', `${a.id}'--`, a.fileIds[0]!))).status).toBe(404);
    expect((await p.agent.get(urls.documentDelete('tarnos', '00000000-0000-4000-8000-000000000000'))).status).toBe(404);
  });
});

describe('list and validity (injected clock: 10 March 2026)', () => {
  it('says in words which documents are expired or expire within 30 days', async () => {
    const p = await signedInParent(t);
    const until = (iso: string) => {
      const [y, m, d] = iso.split('-');
      return { dateLimiteValiditeJour: d!, dateLimiteValiditeMois: m!, dateLimiteValiditeAnnee: y! };
    };
    const noLimit = { dateLimiteValiditeJour: '', dateLimiteValiditeMois: '', dateLimiteValiditeAnnee: '' };
    for (const [title, validity] of [
      ['Sans limite', noLimit],
      ['Périmé hier', until('2026-03-09')],
      ['Finit ce jour', until('2026-03-10')],
      ['Finit dans 30 jours', until('2026-04-09')],
      ['Finit dans 31 jours', until('2026-04-10')],
    ] as const) {
      const res = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, ...validity, intitule: title }, [
        { content: pdf(), filename: 'a.pdf' },
      ]);
      expect(res.status).toBe(303);
    }
    const list = await p.agent.get(urls.documents('tarnos'));
    expect(list.status).toBe(200);
    expect(titleOf(list.text)).toMatch(/^Pièces justificatives – /);
    const text = textOf(list.text);
    expect(text).toContain('Vous seul pouvez consulter son contenu.');
    expect(text).toContain('Vos documents (5)');
    expect(text).toContain('3 documents ont expiré ou expirent dans les 30 jours');
    const cards = parse(list).all('li.document-card');
    const cardOf = (title: string) => {
      const card = cards.filter((_, li) => parse(list).$(li).children('h3').first().text() === title);
      expect(card, title).toHaveLength(1);
      return textOf(`<main>${card.html()}</main>`);
    };
    expect(cardOf('Sans limite')).toContain('Sans date limite de validité');
    expect(cardOf('Périmé hier')).toContain("Expiré : valable jusqu'au 9 mars 2026");
    expect(cardOf('Finit ce jour')).toContain("Expire aujourd'hui : valable jusqu'au 10 mars 2026");
    expect(cardOf('Finit dans 30 jours')).toContain("Expire bientôt : valable jusqu'au 9 avril 2026 (dans 30 jours)");
    expect(cardOf('Finit dans 31 jours')).toContain("Valable jusqu'au 10 avril 2026");
    expect(cardOf('Périmé hier')).toContain('Qualification Attestation CAF (quotient familial)');
    expect(cardOf('Périmé hier')).toContain('Numéro CAF-40-123456');
    expect(cardOf('Périmé hier')).toContain('Autorité de délivrance CAF des Landes');
    expect(cardOf('Périmé hier')).toContain('Date de délivrance 15/01/2026');

    // A month later (the session has ended by then: sign in again).
    t.clock.set('2026-04-11T10:00:00+02:00');
    try {
      const again = t.agent();
      expect((await signIn(again, 'tarnos', p.username, GOOD_PASSWORD)).status).toBe(303);
      const later = await again.get(urls.documents('tarnos'));
      expect(textOf(later.text)).toContain("Expiré : valable jusqu'au 10 avril 2026");
      expect(textOf(later.text)).toContain('4 documents ont expiré ou expirent dans les 30 jours');
    } finally {
      t.clock.set('2026-03-10T10:00:00+01:00');
    }
  });

  it('says when the storage is empty, and sends visitors to sign in', async () => {
    const p = await signedInParent(t);
    expect(textOf((await p.agent.get(urls.documents('tarnos'))).text)).toContain("Vous n'avez encore aucun document");
    const anonymous = await t.agent().get(urls.documents('tarnos'));
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(urls.townHome('tarnos'));
  });
});

describe('delete', () => {
  it('asks for confirmation, then deletes the document and its files (POST + CSRF, PRG)', async () => {
    const p = await signedInParent(t);
    const doc = await addDocument(t, p, 'À supprimer', [
      { content: pdf('1'), filename: 'un.pdf' },
      { content: pdf('2'), filename: 'deux.pdf' },
    ]);
    const confirm = await p.agent.get(urls.documentDelete('tarnos', doc.id));
    expect(confirm.status).toBe(200);
    expect(titleOf(confirm.text)).toMatch(/^Supprimer un document – /);
    expect(textOf(confirm.text)).toContain('Supprimer ce document ?');
    expect(textOf(confirm.text)).toContain('Le document et ses 2 fichiers seront supprimés définitivement');
    expect(textOf(confirm.text)).toContain('un.pdf (PDF,');
    const token = csrfFrom(confirm.text);

    const files = await countRows(t, 'private_document_files');
    expect((await p.agent.post(urls.documentDelete('tarnos', doc.id)).type('form').send({})).status).toBe(403);
    expect(await countRows(t, 'private_document_files')).toBe(files);

    const res = await p.agent.post(urls.documentDelete('tarnos', doc.id)).type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.documents('tarnos'));
    expect(textOf((await p.agent.get(urls.documents('tarnos'))).text)).toContain('Le document « À supprimer » a été supprimé.');
    expect(await countRows(t, 'private_document_files')).toBe(files - 2);
    expect((await p.agent.get(urls.documentFile('tarnos', doc.id, doc.fileIds[0]!))).status).toBe(404);
    expect((await p.agent.post(urls.documentDelete('tarnos', doc.id)).type('form').send({ _csrf: token })).status).toBe(404);
  });
});

describe('only the owner: 404 for another account, family or town, an agent or a visitor, for every verb', () => {
  let owner: SignedInParent;
  let doc: { id: string; fileIds: string[] };
  const actors: { label: string; agent: supertest.Agent; token: string }[] = [];

  beforeAll(async () => {
    owner = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    doc = await addDocument(t, owner, 'Livret de famille', [{ content: pdf('livret'), filename: 'livret.pdf' }]);
    const coParent = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    const otherFamily = await signedInParent(t, 'tarnos', '40220-DURAND2');
    const noFamily = await signedInParent(t, 'tarnos');
    const otherTown = await signedInParent(t, 'bayeux');
    const admin = await createAgentFixture(t.db.pool, 'tarnos', 'admin');
    const agentSession = t.agent();
    expect((await signInAgent(agentSession, 'tarnos', admin.username, admin.password)).status).toBe(303);
    const visitor = t.agent();
    actors.push(
      { label: 'another account of the same family file', agent: coParent.agent, token: coParent.token },
      { label: 'another family', agent: otherFamily.agent, token: otherFamily.token },
      { label: 'an account without a family file', agent: noFamily.agent, token: noFamily.token },
      { label: "another town's parent", agent: otherTown.agent, token: otherTown.token },
      { label: "the town's admin agent", agent: agentSession, token: await tokenOf(agentSession, 'tarnos') },
      { label: 'a visitor', agent: visitor, token: await tokenOf(visitor, 'tarnos') },
    );
  });

  const paths = () => [
    urls.documentFile('tarnos', doc.id, doc.fileIds[0]!),
    urls.documentDelete('tarnos', doc.id),
    // The same ids under the other town's address.
    urls.documentFile('bayeux', doc.id, doc.fileIds[0]!),
    urls.documentDelete('bayeux', doc.id),
  ];
  const verbs = ['get', 'head', 'post', 'put', 'patch', 'delete'] as const;

  it('gives the owner the file and the confirmation page', async () => {
    expect((await owner.agent.get(paths()[0]!)).status).toBe(200);
    expect((await owner.agent.get(paths()[1]!)).status).toBe(200);
  });

  it.each([0, 1, 2, 3, 4, 5])('actor %i gets 404 on every document URL and verb, and nothing changes', async (i) => {
    const actor = actors[i]!;
    for (const path of paths()) {
      for (const verb of verbs) {
        const req = actor.agent[verb](path);
        const res = verb === 'get' || verb === 'head' ? await req : await req.type('form').send({ _csrf: actor.token });
        expect(res.status, `${actor.label}: ${verb.toUpperCase()} ${path}`).toBe(404);
        expect(res.text ?? '').not.toContain('livret');
      }
    }
    expect((await owner.agent.get(paths()[0]!)).status).toBe(200);
  });

  it('hides the owner’s documents from the co-parent’s list', async () => {
    const coParent = actors[0]!;
    const list = await coParent.agent.get(urls.documents('tarnos'));
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('Livret de famille</h3>');
    expect(list.text).not.toContain(doc.id);
  });
});
