import { describe, expect, it } from 'vitest';
import { ageOn, audienceWords, eligibility, schoolLevelOf } from './eligibility.js';
import { checkStoredPiece, monthsBetween } from './pieces.js';

const CAMP = { startDate: '2027-04-12', endDate: '2027-04-23', minAge: 6, maxAge: 11, schoolLevels: [] };

describe('who may enrol', () => {
  it('counts whole years on the first day of the activity', () => {
    expect(ageOn('2021-04-12', '2027-04-12')).toBe(6);
    expect(ageOn('2021-04-13', '2027-04-12')).toBe(5);
  });

  it('keeps a child of the ages and says why another is not eligible', () => {
    expect(eligibility({ birthDate: '2020-01-01', className: '' }, CAMP)).toEqual({ ok: true });
    expect(eligibility({ birthDate: '2021-04-13', className: '' }, CAMP)).toEqual({
      ok: false,
      reason: "5 ans le 12 avril 2027, moins que l'âge minimum de 6 ans",
    });
    expect(eligibility({ birthDate: null, className: '' }, CAMP)).toEqual({
      ok: false,
      reason: "sa date de naissance n'est pas dans son dossier",
    });
  });

  it('leaves out a child already enrolled to the activity’s end, not one enrolled for a part of it', () => {
    const child = { birthDate: '2020-01-01', className: '' };
    expect(eligibility({ ...child, enrolledUntil: '2027-04-23' }, CAMP)).toEqual({
      ok: false,
      reason: "déjà inscrit à cette activité jusqu'au 23 avril 2027",
    });
    expect(eligibility({ ...child, enrolledUntil: '2027-04-16' }, CAMP)).toEqual({ ok: true });
    expect(eligibility({ ...child, enrolledUntil: null }, CAMP)).toEqual({ ok: true });
  });

  it('reads the school level from the class and filters on it', () => {
    expect(schoolLevelOf('cm1 B')).toBe('CM1');
    expect(schoolLevelOf('Petite section')).toBeNull();
    const study = {
      startDate: '2026-09-01',
      endDate: '2027-07-03',
      minAge: null,
      maxAge: null,
      schoolLevels: ['CE2', 'CM1', 'CM2'] as const,
    };
    expect(eligibility({ birthDate: null, className: 'CM1' }, { ...study, schoolLevels: [...study.schoolLevels] })).toEqual({ ok: true });
    expect(eligibility({ birthDate: null, className: 'CP' }, { ...study, schoolLevels: [...study.schoolLevels] })).toEqual({
      ok: false,
      reason: "sa classe (CP) n'est pas parmi CE2, CM1, CM2",
    });
    expect(audienceWords({ minAge: 6, maxAge: 11, schoolLevels: ['CP', 'CE1'] })).toBe('De 6 à 11 ans, classes de CP, CE1');
    expect(audienceWords({ minAge: null, maxAge: null, schoolLevels: [] })).toBeNull();
  });
});

describe('a stored piece', () => {
  const certificate = { kind: 'certificat_medical', maxAgeMonths: 12 };
  it('is accepted of the right kind, in date and issued less than the months asked', () => {
    expect(checkStoredPiece({ kind: 'certificat_medical', issuedOn: '2026-03-01', validUntil: null }, certificate, '2026-12-02')).toEqual({
      ok: true,
    });
  });

  it('is refused with the reason and the date when expired, too old or of another kind', () => {
    expect(checkStoredPiece({ kind: 'certificat_medical', issuedOn: '2025-12-02', validUntil: null }, certificate, '2026-12-02')).toEqual({
      ok: false,
      reason: 'il a été délivré le 2 décembre 2025, il y a plus de 12 mois',
    });
    expect(
      checkStoredPiece(
        { kind: 'justificatif_domicile', issuedOn: null, validUntil: '2026-11-30' },
        { kind: 'justificatif_domicile', maxAgeMonths: null },
        '2026-12-02',
      ),
    ).toEqual({ ok: false, reason: 'il est expiré depuis le 30 novembre 2026' });
    expect(checkStoredPiece({ kind: 'autre', issuedOn: null, validUntil: null }, certificate, '2026-12-02')).toEqual({
      ok: false,
      reason: "ce document n'est pas un certificat médical",
    });
    expect(monthsBetween('2025-12-03', '2026-12-02')).toBe(11);
  });
});
