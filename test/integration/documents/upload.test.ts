import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page as parse, squish } from '../../helpers/html.js';
import { bmp, cfb, docx, docxBomb, docxWithTraversal, jpeg, odt, pdf, png } from '../../helpers/files.js';
import { fieldErrorOf, inputValue, selectedOption, summaryOf, textOf, titleOf } from '../signup/signup-helpers.js';
import { addDocument, countRows, documentByTitle, FIELDS, postDocument, signedInParent, type SignedInParent } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-10T10:00:00+01:00' });
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

/** Nothing stored by the request: the counts of documents and files are unchanged. */
async function expectNothingStored(run: () => Promise<unknown>) {
  const before = [await countRows(t, 'private_documents'), await countRows(t, 'private_document_files')];
  await run();
  expect([await countRows(t, 'private_documents'), await countRows(t, 'private_document_files')]).toEqual(before);
}

describe('the add form', () => {
  it('shows the seed’s fields, the formats and limits, multipart with the token first and the files last', async () => {
    const p = await signedInParent(t);
    const page = await p.agent.get(urls.documentNew('tarnos'));
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toMatch(/^Ajouter un document – /);
    const form = parse(page);
    expect(form.all('form[enctype="multipart/form-data"]')).toHaveLength(1);
    for (const [id, label] of [
      ['qualification', 'Qualification de la pièce'],
      ['intitule', 'Intitulé du document'],
      ['numero', 'Numéro de la pièce'],
      ['autoriteDelivrance', 'Autorité de délivrance'],
      ['fichiers', 'Fichiers de la pièce'],
    ]) {
      expect(squish(form.one(`label.label[for="${id}"]`).text()).replace(/^\* /, ''), id).toMatch(new RegExp(`^${label}`));
    }
    expect(form.texts('legend')).toEqual(expect.arrayContaining(['Date de délivrance', 'Date limite de validité']));
    expect(textOf(page.text)).toContain(
      "Formats acceptés : pdf, png, jpg, bmp, odt, docx, doc ; taille maximum d'un fichier : 3200 Ko ; nombre maximum de fichiers : 4.",
    );
    const files = form.one('input#fichiers');
    expect([files.attr('class'), files.attr('name'), files.attr('type'), files.is('[multiple]')]).toEqual([
      'file-input',
      'fichiers',
      'file',
      true,
    ]);
    expect(files.attr('accept')).toMatch(/^\.pdf,/);
    // Multipart is read in order: the token before the fields, the files after them.
    const order = form
      .all('form[enctype="multipart/form-data"] :is(input, select, textarea)')
      .toArray()
      .map((e) => form.$(e).attr('name'));
    expect(order[0]).toBe('_csrf');
    expect(order.indexOf('dateLimiteValiditeAnnee')).toBeLessThan(order.indexOf('fichiers'));
    expect(order.indexOf('fichiers')).toBeGreaterThan(order.indexOf('qualification'));
    for (const kind of ['Justificatif de domicile', 'Certificat médical', "Avis d'imposition", 'Livret de famille']) {
      expect(textOf(page.text)).toContain(kind);
    }
  });

  it('stores a document with one file of each accepted format, four at a time, and lists it', async () => {
    const p = await signedInParent(t);
    const res = await postDocument(p.agent, 'tarnos', p.token, FIELDS, [
      { content: pdf('caf'), filename: 'Attestation CAF été.pdf' },
      { content: png(), filename: 'scan.png', contentType: 'image/png' },
      { content: jpeg(), filename: 'photo.jpeg', contentType: 'image/jpeg' },
      { content: bmp(), filename: 'scan.bmp', contentType: 'image/bmp' },
    ]);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(urls.documents('tarnos'));
    const list = await p.agent.get(urls.documents('tarnos'));
    expect(textOf(list.text)).toContain('Le document « Attestation CAF 2026 » a été ajouté à votre espace de stockage.');
    expect(textOf(list.text)).toContain('Télécharger Attestation CAF été.pdf (PDF,');
    expect(textOf(list.text)).toContain('Télécharger scan.bmp (BMP,');
    const { rows } = await t.db.pool.query<{ content_type: string; file_name: string; position: number }>(
      `select f.content_type, f.file_name, f.position from private_document_files f
         join private_documents d on d.id = f.document_id where d.account_id = $1 order by f.position`,
      [p.accountId],
    );
    expect(rows.map((r) => [r.position, r.file_name, r.content_type])).toEqual([
      [1, 'Attestation CAF été.pdf', 'application/pdf'],
      [2, 'scan.png', 'image/png'],
      [3, 'photo.jpeg', 'image/jpeg'],
      [4, 'scan.bmp', 'image/bmp'],
    ]);

    const office = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: 'Bureautique' }, [
      { content: await odt(), filename: 'lettre.odt' },
      { content: await docx(), filename: 'lettre.docx' },
      { content: cfb('WordDocument'), filename: 'ancien.doc' },
    ]);
    expect(office.status).toBe(303);
    expect((await documentByTitle(t, p.accountId, 'Bureautique')).fileIds).toHaveLength(3);
  });

  it('keeps the fields as typed, with optional ones empty', async () => {
    const p = await signedInParent(t);
    const minimal = {
      ...FIELDS,
      intitule: '  Certificat  ',
      numero: '',
      autoriteDelivrance: '',
      dateDelivranceJour: '',
      dateDelivranceMois: '',
      dateDelivranceAnnee: '',
      dateLimiteValiditeJour: '',
      dateLimiteValiditeMois: '',
      dateLimiteValiditeAnnee: '',
    };
    expect((await postDocument(p.agent, 'tarnos', p.token, minimal, [{ content: pdf(), filename: 'c.pdf' }])).status).toBe(303);
    const { rows } = await t.db.pool.query(
      `select kind, title, number, issuing_authority, issued_on, valid_until from private_documents where account_id = $1`,
      [p.accountId],
    );
    expect(rows).toEqual([
      { kind: 'attestation_caf', title: 'Certificat', number: '', issuing_authority: '', issued_on: null, valid_until: null },
    ]);
  });
});

describe('upload rules (security.md group I): refused files store nothing', () => {
  let p: SignedInParent;
  beforeAll(async () => {
    p = await signedInParent(t);
  });

  it('accepts a file of exactly 3,276,800 bytes', async () => {
    const exact = pdf('limite', 3_276_800);
    expect(exact.length).toBe(3_276_800);
    const res = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: 'Pile à la limite' }, [
      { content: exact, filename: 'limite.pdf' },
    ]);
    expect(res.status).toBe(303);
    const { rows } = await t.db.pool.query<{ size_bytes: number; n: number }>(
      `select f.size_bytes, octet_length(f.content) as n from private_document_files f
         join private_documents d on d.id = f.document_id where d.account_id = $1 and d.title = 'Pile à la limite'`,
      [p.accountId],
    );
    expect(rows).toEqual([{ size_bytes: 3_276_800, n: 3_276_800 }]);
  });

  it('refuses 3,276,801 bytes with 413 and a French message beside the field, keeping the typed values', async () => {
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', p.token, FIELDS, [
        { content: pdf('ok'), filename: 'petit.pdf' },
        { content: pdf('trop', 3_276_801), filename: 'trop-gros.pdf' },
      ]);
      expect(res.status).toBe(413);
      expect(titleOf(res.text)).toMatch(/^Erreur : Ajouter un document/);
      const message = 'Le fichier « trop-gros.pdf » dépasse 3200 Ko : chaque fichier doit faire 3200 Ko au maximum';
      expect(summaryOf(res.text)).toEqual([['fichiers', message]]);
      expect(fieldErrorOf(res.text, 'fichiers')).toBe(message);
      expect(inputValue(res.text, 'intitule')).toBe('Attestation CAF 2026');
      expect(selectedOption(res.text, 'qualification')).toBe('attestation_caf');
      expect(textOf(res.text)).toContain('les fichiers choisis ne sont pas conservés après une erreur');
    });
  });

  it('accepts four files and refuses five, storing none of the five', async () => {
    const four = Array.from({ length: 4 }, (_, i) => ({ content: pdf(`p${i}`), filename: `page-${i + 1}.pdf` }));
    expect((await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: 'Quatre pages' }, four)).status).toBe(303);
    await expectNothingStored(async () => {
      const five = [...four, { content: pdf('p5'), filename: 'page-5.pdf' }];
      const res = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: 'Cinq pages' }, five);
      expect(res.status).toBe(400);
      expect(summaryOf(res.text)).toEqual([['fichiers', 'Joignez 4 fichiers au maximum']]);
      expect(inputValue(res.text, 'intitule')).toBe('Cinq pages');
    });
  });

  it.each([
    ['a PNG named .pdf', async () => png(), 'scan.pdf', 'ne correspond pas à son extension'],
    ['HTML named .pdf', async () => Buffer.from('<html><script>alert(1)</script></html>'), 'evil.pdf', 'ne correspond pas à son extension'],
    ['an .xls renamed .doc', async () => cfb('Workbook'), 'tableau.doc', 'ne correspond pas à son extension'],
    ['a .exe', async () => jpeg(), 'photo.jpg.exe', "n'est pas dans un format accepté"],
    ['a docx that unpacks to 25 MB', () => docxBomb(25), 'bombe.docx', 'son contenu compressé est trop volumineux ou mal formé'],
    ['a docx with a ../ entry', docxWithTraversal, 'chemin.docx', 'son contenu compressé est trop volumineux ou mal formé'],
  ])('refuses %s with 400, naming the file, and stores nothing', async (_label, build, filename, words) => {
    const content = await build();
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', p.token, FIELDS, [
        { content: pdf('bon'), filename: 'bon.pdf' },
        { content, filename, contentType: 'application/pdf' },
      ]);
      expect(res.status).toBe(400);
      const message = fieldErrorOf(res.text, 'fichiers') ?? '';
      expect(message).toContain(`Le fichier « ${filename} »`);
      expect(message).toContain(words);
      expect(message).not.toContain('bon.pdf');
    });
  });

  it('asks for at least one file', async () => {
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', p.token, FIELDS, []);
      expect(res.status).toBe(400);
      expect(summaryOf(res.text)).toEqual([['fichiers', 'Joignez au moins un fichier']]);
    });
  });

  it('refuses a file sent from another field name', async () => {
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', p.token, FIELDS, [{ content: pdf(), filename: 'a.pdf' }], 'autre');
      expect(res.status).toBe(400);
      expect(fieldErrorOf(res.text, 'fichiers')).toContain("n'a pas été envoyé depuis le bon champ");
    });
  });

  it('refuses a multipart POST without its token with 403, before storing anything', async () => {
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', undefined, FIELDS, [{ content: pdf(), filename: 'a.pdf' }]);
      expect(res.status).toBe(403);
      expect(res.text).toContain('Votre formulaire a expiré');
    });
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', 'not-the-token', FIELDS, [{ content: pdf(), filename: 'a.pdf' }]);
      expect(res.status).toBe(403);
    });
  });

  it('refuses a cross-site multipart POST even with the right token', async () => {
    await expectNothingStored(async () => {
      const res = await p.agent
        .post(urls.documentNew('tarnos'))
        .set('Sec-Fetch-Site', 'cross-site')
        .field('_csrf', p.token)
        .field('intitule', 'x')
        .attach('fichiers', pdf(), { filename: 'a.pdf', contentType: 'application/pdf' });
      expect(res.status).toBe(403);
    });
  });

  it('never answers 500 to a malformed multipart body', async () => {
    const res = await p.agent
      .post(urls.documentNew('tarnos'))
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send('--XYZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nabc\r\n--XY');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('the fields: every kind of invalid input', () => {
  let p: SignedInParent;
  beforeAll(async () => {
    p = await signedInParent(t);
  });
  const file = [{ content: pdf(), filename: 'a.pdf' }];

  it.each([
    [{ qualification: '' }, 'qualification', 'Sélectionnez la qualification du document'],
    [{ qualification: 'passeport_diplomatique' }, 'qualification', 'Sélectionnez la qualification du document'],
    [{ intitule: '   ' }, 'intitule', "Saisissez l'intitulé du document"],
    [{ intitule: 'x'.repeat(201) }, 'intitule', "L'intitulé du document doit comporter 200 caractères au maximum"],
    [{ intitule: 'deux\nlignes' }, 'intitule', "L'intitulé du document contient un caractère qui n'est pas accepté : retirez-le"],
    [{ numero: '9'.repeat(101) }, 'numero', 'Le numéro doit comporter 100 caractères au maximum'],
    [{ dateDelivranceMois: '' }, 'dateDelivranceMois', 'La date de délivrance doit comporter un mois'],
    [{ dateDelivranceJour: '31', dateDelivranceMois: '2' }, 'dateDelivranceJour', 'La date de délivrance doit être une date réelle'],
    [
      { dateDelivranceJour: '11', dateDelivranceMois: '3', dateDelivranceAnnee: '2026' },
      'dateDelivranceJour',
      "La date de délivrance doit être aujourd'hui ou dans le passé",
    ],
    [{ dateLimiteValiditeAnnee: '26' }, 'dateLimiteValiditeAnnee', "L'année doit comporter 4 chiffres"],
    [
      { dateLimiteValiditeJour: '14', dateLimiteValiditeMois: '1', dateLimiteValiditeAnnee: '2026' },
      'dateLimiteValiditeJour',
      'La date limite de validité doit être le jour de la délivrance ou après',
    ],
  ])('%o → 400 on %s', async (override, field, message) => {
    await expectNothingStored(async () => {
      const res = await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, ...override }, file);
      expect(res.status).toBe(400);
      expect(titleOf(res.text)).toMatch(/^Erreur : /);
      expect(summaryOf(res.text)).toEqual([[field, message]]);
      expect(res.text).toMatch(
        new RegExp(`<input[^>]*id="${field}"[^>]*aria-invalid="true"|<select[^>]*id="${field}"[^>]*aria-invalid="true"`),
      );
    });
  });

  it('accepts a document issued today and one that has already expired', async () => {
    const today = { dateDelivranceJour: '10', dateDelivranceMois: 'mars', dateDelivranceAnnee: '2026' };
    expect((await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, ...today, intitule: 'Aujourd’hui' }, file)).status).toBe(303);
    const expired = { dateLimiteValiditeJour: '1', dateLimiteValiditeMois: '2', dateLimiteValiditeAnnee: '2026' };
    expect((await postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, ...expired, intitule: 'Périmé' }, file)).status).toBe(303);
  });

  it('lists every error in the form’s order', async () => {
    const res = await postDocument(
      p.agent,
      'tarnos',
      p.token,
      { ...FIELDS, qualification: '', intitule: '', dateDelivranceJour: '40' },
      [],
    );
    expect(summaryOf(res.text).map(([f]) => f)).toEqual(['qualification', 'intitule', 'dateDelivranceJour', 'fichiers']);
  });
});

describe('quota and rate limit', () => {
  it('refuses what would pass the family’s quota, in French, storing nothing; counts every account of the family', async () => {
    const a = await signedInParent(t, 'tarnos', '40220-DURAND2');
    const b = await signedInParent(t, 'tarnos', '40220-DURAND2');
    // A small quota for the test: 3 MB for the family.
    await t.db.pool.query(`update towns set document_quota_bytes = 3145728 where slug = 'tarnos'`);
    try {
      await addDocument(t, a, 'Deux mégas', [{ content: pdf('a', 2 * 1024 * 1024), filename: 'a.pdf' }]);
      await expectNothingStored(async () => {
        const res = await postDocument(b.agent, 'tarnos', b.token, { ...FIELDS, intitule: 'Encore deux' }, [
          { content: pdf('b', 2 * 1024 * 1024), filename: 'b.pdf' },
        ]);
        expect(res.status).toBe(413);
        expect(fieldErrorOf(res.text, 'fichiers')).toBe(
          "Il ne reste pas assez de place dans votre espace de stockage : ces fichiers (2\u00a0Mo) dépassent la place restante (1\u00a0Mo sur 3\u00a0Mo). Supprimez des documents dont vous n'avez plus besoin, puis recommencez",
        );
        expect(inputValue(res.text, 'intitule')).toBe('Encore deux');
      });
      const list = await b.agent.get(urls.documents('tarnos'));
      // (textOf turns the no-break spaces into plain ones)
      expect(textOf(list.text)).toContain('Espace utilisé par votre famille : 2 Mo sur 3 Mo.');
      // Someone else's documents are counted, never shown.
      expect(textOf(list.text)).not.toContain('Deux mégas');
      // An account without a family file has its own quota.
      const alone = await signedInParent(t);
      await addDocument(t, alone, 'Seul', [{ content: pdf('c', 2 * 1024 * 1024), filename: 'c.pdf' }]);
    } finally {
      await t.db.pool.query(`update towns set document_quota_bytes = default where slug = 'tarnos'`);
    }
  });

  it('holds under concurrency: two uploads that each fit, but not together, store exactly one', async () => {
    const a = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    const b = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    const { rows } = await t.db.pool.query<{ used: number }>(
      `select coalesce(sum(f.size_bytes), 0)::int as used from private_document_files f
         join private_documents d on d.id = f.document_id join accounts ac on ac.id = d.account_id
        where ac.family_id = $1`,
      [a.familyId],
    );
    // Room for one 2 MB file and a half, whatever the family already stores.
    await t.db.pool.query(`update towns set document_quota_bytes = $1 where slug = 'tarnos'`, [rows[0]!.used + 3 * 1024 * 1024]);
    try {
      const [ra, rb] = await Promise.all(
        [a, b].map((p, i) =>
          postDocument(p.agent, 'tarnos', p.token, { ...FIELDS, intitule: `Course ${i}` }, [
            { content: pdf(`c${i}`, 2 * 1024 * 1024), filename: `c${i}.pdf` },
          ]),
        ),
      );
      expect([ra!.status, rb!.status].sort()).toEqual([303, 413]);
    } finally {
      await t.db.pool.query(`update towns set document_quota_bytes = default where slug = 'tarnos'`);
    }
  });

  it('has a default quota of 100 Mo per town', async () => {
    const { rows } = await t.db.pool.query<{ q: number }>(`select distinct document_quota_bytes as q from towns`);
    expect(rows).toEqual([{ q: 104_857_600 }]);
  });

  it('limits uploads per family: the 21st in an hour gets 429 and is not stored, whichever account sends it', async () => {
    const a = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    const b = await signedInParent(t, 'tarnos', '40220-MARTIN1');
    for (let i = 0; i < 20; i++) {
      const who = i % 2 === 0 ? a : b;
      const res = await postDocument(who.agent, 'tarnos', who.token, { ...FIELDS, intitule: `Envoi ${i}` }, [
        { content: pdf(), filename: 'a.pdf' },
      ]);
      expect(res.status).toBe(303);
    }
    await expectNothingStored(async () => {
      const res = await postDocument(b.agent, 'tarnos', b.token, { ...FIELDS, intitule: 'Envoi de trop' }, [
        { content: pdf(), filename: 'a.pdf' },
      ]);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(textOf(res.text)).toContain('Vous avez ajouté beaucoup de documents en peu de temps');
    });
    // Another family is not held back.
    const other = await signedInParent(t, 'tarnos', '40220-DURAND2');
    expect((await postDocument(other.agent, 'tarnos', other.token, FIELDS, [{ content: pdf(), filename: 'a.pdf' }])).status).toBe(303);
    // An hour later the family can upload again.
    t.clock.advance(3600 * 1000);
    try {
      expect(
        (
          await postDocument(a.agent, 'tarnos', a.token, { ...FIELDS, intitule: 'Après une heure' }, [
            { content: pdf(), filename: 'a.pdf' },
          ])
        ).status,
      ).toBe(303);
    } finally {
      t.clock.set('2026-03-10T10:00:00+01:00');
    }
  });
});
