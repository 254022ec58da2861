import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { readDate, readRepriseHeader, readRepriseRow, rowKey, type RepriseKind } from './reprise-format.js';

function read(kind: RepriseKind, text: string, today = '2026-11-23') {
  const records = parseCsv(text).records;
  const header = readRepriseHeader(kind, records[0]);
  if (!header.ok) throw new Error(header.message);
  return readRepriseRow(header.header, records[1]!, today);
}

describe('the old portal exports, row by row', () => {
  it('reads headers typed by hand, and names the kind a column does not belong to', () => {
    const ok = readRepriseHeader('quotients', parseCsv('Référence famille;Quotient familial;Date de début\n').records[0]);
    expect(ok.ok && ok.header.columns).toEqual(['reference_famille', 'qf', 'date_debut']);
    const bad = readRepriseHeader('soldes', parseCsv('reference_famille;montant\n').records[0]);
    expect(bad).toEqual({
      ok: false,
      message: 'Il manque les colonnes « numero_document », « date_echeance » pour un fichier « Soldes restant dus ».',
    });
  });

  it('reads dates as a French spreadsheet writes them, and refuses those that do not exist', () => {
    expect(readDate('2/9/2026', 'date')).toEqual({ ok: true, iso: '2026-09-02' });
    expect(readDate('2026-02-29', 'date')).toEqual({ ok: false, reason: "Colonne date : la date « 2026-02-29 » n'existe pas" });
  });

  it('reads amounts in euros to cents, QF in whole euros, and the source in words', () => {
    const balance = read('soldes', 'reference_famille;numero_document;montant;date_echeance\nF-1;A-1;1 234,5 €;15/12/2026\n');
    expect(balance).toMatchObject({ kind: 'row', row: { amountCents: 123450, label: "Solde de l'ancien portail", regie: null } });
    const qf = read('quotients', 'reference_famille;qf;date_debut;source\nF-1;1 240,00;01/09/2026;Famille\n');
    expect(qf).toMatchObject({ kind: 'row', row: { qf: 1240, source: 'parent_declaration' } });
  });

  it('keys a reservation by child, activity and day whatever the case and accents', () => {
    const a = read('reservations', 'reference_famille;prenom_enfant;activite;date\nf-1;LÉA;Cantine;03/12/2026\n');
    const b = read('reservations', 'reference_famille;prenom_enfant;activite;date\nF-1;lea;cantine;2026-12-03\n');
    expect(a.kind === 'row' && b.kind === 'row' && rowKey(a.row) === rowKey(b.row)).toBe(true);
    expect(read('reservations', 'reference_famille;prenom_enfant;activite;date\nF-1;Léa;Cantine;22/11/2026\n')).toEqual({
      kind: 'rejected',
      line: 2,
      reasons: ['Colonne date : le 22/11/2026 est passé ; seules les réservations à venir sont reprises'],
    });
  });
});
