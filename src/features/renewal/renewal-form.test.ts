import { describe, expect, it } from 'vitest';
import { readRenewal } from './renewal-form.js';

const DOC = '0b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const OLD = '1b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const ACT = '2b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const base = {
  childName: 'Léa',
  requiredKinds: ['justificatif_domicile', 'attestation_assurance'],
  activityIds: [ACT],
  documents: [
    { id: DOC, kind: 'justificatif_domicile', validity: { kind: 'valid' as const, label: 'Valable' } },
    { id: OLD, kind: 'attestation_assurance', validity: { kind: 'expired' as const, label: "Expiré : valable jusqu'au 1er juin 2026" } },
  ],
  uploads: { received: 0 },
};

describe('readRenewal', () => {
  it('takes a stored piece, an uploaded one and the activities kept', () => {
    const form = readRenewal(
      { confirme: 'oui', 'piece-justificatif_domicile': DOC, 'piece-attestation_assurance': 'fichier', activites: ACT },
      { ...base, uploads: { received: 1 } },
    );
    expect(form).toEqual({
      ok: true,
      data: {
        pieces: [
          { kind: 'justificatif_domicile', documentId: DOC },
          { kind: 'attestation_assurance', documentId: null },
        ],
        activityIds: [ACT],
      },
    });
  });

  it('allows dropping every activity', () => {
    const form = readRenewal(
      { confirme: 'oui', 'piece-justificatif_domicile': DOC, 'piece-attestation_assurance': 'fichier' },
      {
        ...base,
        uploads: { received: 1 },
      },
    );
    expect(form.ok && form.data.activityIds).toEqual([]);
  });

  it('refuses an expired piece with its reason, a missing confirmation, a forgotten file, a forged activity', () => {
    const form = readRenewal({ 'piece-justificatif_domicile': '', 'piece-attestation_assurance': OLD, activites: ['x'] }, base);
    if (form.ok) throw new Error('accepted');
    expect(form.errors).toEqual([
      { field: 'confirme', message: 'Confirmez que le dossier administratif de Léa est à jour, après l’avoir vérifié ou mis à jour' },
      {
        field: 'piece-justificatif_domicile',
        message: 'Choisissez votre justificatif de domicile dans votre espace de stockage, ou joignez le fichier',
      },
      {
        field: 'piece-attestation_assurance',
        message: "Expiré : valable jusqu'au 1er juin 2026 : choisissez un document valide ou joignez le fichier",
      },
      { field: 'activites', message: 'Choisissez les activités dans la liste' },
    ]);
    expect(form.values['piece-attestation_assurance']).toBe(OLD);

    const noFile = readRenewal(
      { confirme: 'oui', 'piece-justificatif_domicile': 'fichier', 'piece-attestation_assurance': 'fichier' },
      base,
    );
    if (noFile.ok) throw new Error('accepted');
    expect(noFile.errors).toEqual([
      { field: 'fichiers', message: "Joignez le fichier de : justificatif de domicile, attestation d'assurance" },
    ]);
  });

  it('refuses another kind’s document or one not in the storage', () => {
    const form = readRenewal({ confirme: 'oui', 'piece-justificatif_domicile': OLD, 'piece-attestation_assurance': DOC }, base);
    if (form.ok) throw new Error('accepted');
    expect(form.errors.map((e) => e.field)).toEqual(['piece-justificatif_domicile', 'piece-attestation_assurance']);
  });
});
