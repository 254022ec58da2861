import { describe, expect, it } from 'vitest';
import { MISSING_PIECE, readDeclaration } from './quotient.schemas.js';

const TODAY = '2026-12-02';
const DOC = '0b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';

describe('readDeclaration', () => {
  it('reads the QF, the date of effect and the stored documents chosen', () => {
    const form = readDeclaration({ qf: '1 150', dateEffet: '01/01/2027', stockage: [DOC.toUpperCase(), DOC] }, TODAY, { received: 0 });
    expect(form).toMatchObject({ ok: true, data: { qf: 1150, effectiveFrom: '2027-01-01', storedDocumentIds: [DOC] } });
  });

  it('accepts an upload alone', () => {
    expect(readDeclaration({ qf: '640', dateEffet: '01/12/2026' }, TODAY, { received: 1 }).ok).toBe(true);
  });

  it('says what is missing or wrong, field by field, and keeps what was typed', () => {
    const form = readDeclaration({ qf: '', dateEffet: '' }, TODAY, { received: 0 });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.errors.map((e) => e.field)).toEqual(['qf', 'dateEffet', 'fichiers']);
    expect(form.errors[2]!.message).toBe(MISSING_PIECE);

    const far = readDeclaration({ qf: '12,5', dateEffet: '01/01/2029', stockage: 'pas-un-id' }, TODAY, { received: 0 });
    if (far.ok) throw new Error('accepted');
    expect(far.values).toEqual({ qf: '12,5', dateEffet: '01/01/2029' });
    expect(far.stockage).toEqual(['pas-un-id']);
    expect(far.errors.map((e) => e.field)).toEqual(['qf', 'dateEffet', 'stockage']);
    expect(far.errors[1]!.message).toBe('La date d’effet doit être comprise entre le 01/12/2025 et le 03/12/2027');
  });

  it('passes on the upload’s own problem and status', () => {
    const form = readDeclaration({ qf: '640', dateEffet: '01/12/2026' }, TODAY, {
      received: 1,
      problem: { field: 'fichiers', status: 413, message: 'Trop gros' },
    });
    expect(form).toMatchObject({ ok: false, status: 413, errors: [{ field: 'fichiers', message: 'Trop gros' }] });
  });
});
