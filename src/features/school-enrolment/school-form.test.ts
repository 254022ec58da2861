import { describe, expect, it } from 'vitest';
import { nextSchoolYear } from './levels.js';
import { readSchoolEnrolment } from './school-form.js';

const CHILD = '0b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const MAT = '1b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const ELEM = '2b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const DOC = '3b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const o = {
  children: [{ id: CHILD }],
  schools: [
    { id: MAT, name: 'Maternelle Ferry', kind: 'maternelle' as const },
    { id: ELEM, name: 'Élémentaire Pasteur', kind: 'elementaire' as const },
  ],
  documents: [{ id: DOC, kind: 'livret_famille', validity: { kind: 'none' as const, label: 'Sans date limite de validité' } }],
  uploads: { received: 1 },
};
const PIECES = { pieceDomicile: 'fichier', pieceLivret: DOC, pieceVaccinations: 'fichier' };

describe('readSchoolEnrolment', () => {
  it('reads the child, the level, the pieces; no derogation without another school', () => {
    expect(readSchoolEnrolment({ enfant: CHILD, niveau: 'PS', ...PIECES }, o)).toEqual({
      ok: true,
      data: {
        childId: CHILD,
        level: 'PS',
        derogation: null,
        pieces: [
          { label: 'Justificatif de domicile', documentId: null },
          { label: 'Livret de famille', documentId: DOC },
          { label: 'Vaccinations (pages du carnet de santé)', documentId: null },
        ],
      },
    });
  });

  it('takes a derogation with its reason, and requires the reason and a school of the level’s kind', () => {
    const ok = readSchoolEnrolment(
      { enfant: CHILD, niveau: 'CP', autreEcole: ELEM, motif: ' Garde chez les grands-parents ', ...PIECES },
      o,
    );
    expect(ok.ok && ok.data.derogation).toEqual({ schoolId: ELEM, reason: 'Garde chez les grands-parents' });
    const bad = readSchoolEnrolment({ enfant: 'x', niveau: 'CP', autreEcole: MAT, motif: '', ...PIECES }, o);
    if (bad.ok) throw new Error('accepted');
    expect(bad.errors).toEqual([
      { field: 'enfant', message: "Choisissez l'enfant à préinscrire" },
      { field: 'autreEcole', message: 'Maternelle Ferry est une école maternelle : choisissez une école élémentaire pour la classe CP' },
      { field: 'motif', message: 'Expliquez pourquoi vous demandez une autre école que celle du secteur' },
    ]);
    expect(bad.values.autreEcole).toBe(MAT);
  });

  it('refuses a missing level and missing pieces', () => {
    const form = readSchoolEnrolment({ enfant: CHILD, niveau: '6e' }, { ...o, uploads: { received: 0 } });
    if (form.ok) throw new Error('accepted');
    expect(form.errors.map((e) => e.field)).toEqual(['niveau', 'pieceDomicile', 'pieceLivret', 'pieceVaccinations']);
  });
});

describe('nextSchoolYear', () => {
  it('is the coming rentrée’s', () => {
    expect(nextSchoolYear('2027-03-01')).toBe('2027-2028');
    expect(nextSchoolYear('2026-10-12')).toBe('2027-2028');
    expect(nextSchoolYear('2027-08-31')).toBe('2027-2028');
  });
});
