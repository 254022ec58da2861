import { describe, expect, it } from 'vitest';
import { checkFile, normaliseHeader, parseImportDate, readHeader, readRow } from './import-format.js';

const TODAY = '2026-11-23';

describe('the header of an import file', () => {
  it('accepts the spellings people type', () => {
    expect(normaliseHeader(' Référence famille ')).toBe('reference_famille');
    expect(normaliseHeader('Adulte 1 – Courriel')).toBe('adulte1_courriel');
    expect(normaliseHeader('adulte_2_email')).toBe('adulte2_courriel');
    expect(normaliseHeader('Enfant 3 date de naissance')).toBe('enfant3_date_naissance');
    expect(normaliseHeader('CP')).toBe('code_postal');
  });

  it('refuses unknown, repeated and missing columns, and another separator', () => {
    const header = (line: string) => readHeader({ line: 1, cells: line.split(';') });
    expect(header('reference_famille;nom_famille;adulte1_courriel').ok).toBe(true);
    expect(header('reference_famille;nom_famille;;').ok).toBe(true);
    expect(header('reference_famille;nom_famille;commentaire')).toMatchObject({
      ok: false,
      message: expect.stringContaining('« commentaire »'),
    });
    expect(header('reference_famille;nom_famille;adulte3_nom')).toMatchObject({ ok: false });
    expect(header('reference_famille;nom_famille;Nom famille')).toMatchObject({ ok: false, message: expect.stringContaining('deux fois') });
    expect(header('nom_famille;ville')).toMatchObject({ ok: false, message: expect.stringContaining('« reference_famille »') });
    expect(header('reference_famille,nom_famille')).toMatchObject({ ok: false, message: expect.stringContaining('points-virgules') });
  });
});

describe('a row of an import file', () => {
  const header = readHeader({
    line: 1,
    cells: [
      'reference_famille',
      'nom_famille',
      'code_postal',
      'adulte1_civilite',
      'adulte1_nom',
      'adulte1_prenom',
      'adulte1_courriel',
      'enfant1_prenom',
      'enfant1_nom',
      'enfant1_date_naissance',
    ],
  });
  if (!header.ok) throw new Error('header');
  const row = (cells: string[]) => readRow(header.header, { line: 7, cells }, TODAY);

  it('reads a family, normalising what it can', () => {
    expect(row(['F-1', 'Martin', '40 220', 'madame', 'Martin', 'Sophie', ' Sophie.Martin@Example.FR', 'Léa', '', '14/03/2017'])).toEqual({
      kind: 'family',
      family: {
        line: 7,
        reference: 'F-1',
        name: 'Martin',
        addressLine: '',
        postalCode: '40220',
        city: '',
        adults: [{ index: 1, civility: 'Mme', lastName: 'Martin', firstNames: 'Sophie', email: 'sophie.martin@example.fr', phone: '' }],
        children: [{ index: 1, firstNames: 'Léa', lastName: 'Martin', birthDate: '2017-03-14', school: '', className: '' }],
      },
    });
  });

  it('ignores an empty row, and gives every reason a row is refused', () => {
    expect(row(['', ' ', '', '', '', '', '', '', '', '']).kind).toBe('empty');
    const refused = row(['', '', '1234', 'Dr', '', 'Sophie', 'sophie@', '', 'Martin', '31/02/2017']);
    expect(refused).toEqual({
      kind: 'rejected',
      line: 7,
      reasons: [
        'La référence de la famille (reference_famille) est vide',
        'Le nom de la famille (nom_famille) est vide',
        "Le code postal « 1234 » n'est pas un code postal français valide",
        "Adulte 1 : la civilité « Dr » n'est pas reconnue (M ou Mme)",
        'Adulte 1 : le nom est vide',
        "Adulte 1 : l'adresse de courriel « sophie@ » n'est pas valide",
        'Enfant 1 : le prénom est vide',
        "Enfant 1 : la date de naissance « 31/02/2017 » n'existe pas",
      ],
    });
    expect(row(['F-2', 'Martin', '', '', '', '', '', '', '', '', 'extra'])).toMatchObject({
      kind: 'rejected',
      reasons: [expect.stringContaining('11 colonnes')],
    });
  });

  it('reads dates as JJ/MM/AAAA or AAAA-MM-JJ, in the past, since 1990', () => {
    expect(parseImportDate('4/5/2018', TODAY)).toEqual({ ok: true, iso: '2018-05-04' });
    expect(parseImportDate('2018-05-04', TODAY)).toEqual({ ok: true, iso: '2018-05-04' });
    expect(parseImportDate('04.05.2018', TODAY)).toEqual({ ok: true, iso: '2018-05-04' });
    expect(parseImportDate('2018/05/04', TODAY)).toMatchObject({ ok: false, reason: expect.stringContaining('JJ/MM/AAAA') });
    expect(parseImportDate('01/01/2027', TODAY)).toMatchObject({ ok: false, reason: expect.stringContaining("n'est pas passée") });
    expect(parseImportDate('01/01/1980', TODAY)).toMatchObject({ ok: false, reason: expect.stringContaining('1990') });
  });
});

describe('the checks of an uploaded file', () => {
  it('refuses what is not a UTF-8 CSV with a French explanation', () => {
    expect(checkFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toMatchObject({
      ok: false,
      message: expect.stringContaining('classeur'),
    });
    expect(checkFile(Buffer.from('%PDF-1.7\n'))).toMatchObject({ ok: false, message: expect.stringContaining('PDF') });
    expect(checkFile(Buffer.from([0x61, 0x00, 0x62]))).toMatchObject({
      ok: false,
      message: expect.stringContaining("n'est pas un fichier texte"),
    });
    expect(checkFile(Buffer.from('reference_famille;nom_famille\nF-1;H\xe9l\xe8ne\n', 'latin1'))).toMatchObject({
      ok: false,
      message: expect.stringContaining('UTF-8'),
    });
    expect(checkFile(Buffer.from('reference_famille;nom_famille\r\n'))).toMatchObject({
      ok: false,
      message: expect.stringContaining('aucune famille'),
    });
    expect(checkFile(Buffer.from(''))).toMatchObject({ ok: false, message: 'Le fichier est vide.' });
    expect(checkFile(Buffer.from('\uFEFFreference_famille;nom_famille\r\nF-1;Martin\r\n\r\n'))).toMatchObject({ ok: true, dataRows: 1 });
  });
});
