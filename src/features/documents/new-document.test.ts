import { describe, expect, it } from 'vitest';
import { readNewDocument } from './new-document.js';

const file = { name: 'x.pdf' };

describe('"Ajouter un document"', () => {
  it('asks for a file when none is joined, besides the fields’ own errors', () => {
    const form = readNewDocument({}, '2026-12-02', { files: [] });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.status).toBe(400);
    expect(form.errors.at(-1)).toEqual({ field: 'fichiers', message: 'Joignez au moins un fichier' });
  });

  it('answers with the upload’s status when a file was refused', () => {
    const form = readNewDocument({}, '2026-12-02', { files: [], problem: { field: 'fichiers', status: 413, message: 'Trop lourd' } });
    expect(form).toMatchObject({ ok: false, status: 413 });
    expect(!form.ok && form.errors.map((e) => e.message)).toContain('Trop lourd');
  });

  it('keeps the typed values for the form shown again', () => {
    const form = readNewDocument({ intitule: 'Attestation CAF' }, '2026-12-02', { files: [file] });
    expect(form.values.intitule).toBe('Attestation CAF');
  });
});
