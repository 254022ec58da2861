import { describe, expect, it } from 'vitest';
import { readStep1 } from './absence-step1.js';

const ENROLMENT = '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b';
const step = { today: '2026-12-02', enrolmentIds: [ENROLMENT], childFirstNames: 'Léa' };
const absence = { inscriptions: ENROLMENT, periode: 'le', le: '17/12/2026' };

describe('step 1 of an absence', () => {
  it('asks for a piece when neither a file nor a stored document is given', () => {
    const form = readStep1(absence, step, { received: 0 });
    expect(form.ok).toBe(false);
    expect(!form.ok && form.errors.map((e) => e.field)).toEqual(['fichiers']);
  });

  it('accepts a stored document instead of a file, without checking the piece’s fields', () => {
    const form = readStep1({ ...absence, stockage: '0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d' }, step, { received: 0 });
    expect(form.ok).toBe(true);
    expect(form.ok && form.piece).toBeNull();
  });

  it('reports every problem at once, with the upload’s own status, and keeps what was typed', () => {
    const form = readStep1({ periode: 'le', le: '32/12/2026', brouillon: 'ABCDEF01-2345-4678-9ABC-DEF012345678' }, step, {
      received: 1,
      problem: { field: 'fichiers', status: 413, message: 'Le fichier est trop lourd' },
    });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.status).toBe(413);
    expect(form.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['inscriptions', 'le', 'fichiers']));
    expect(form.again.values.le).toBe('32/12/2026');
    expect(form.again.draftId).toBe('abcdef01-2345-4678-9abc-def012345678');
  });

  it('ignores a draft id that is not one', () => {
    expect(readStep1({ ...absence, brouillon: '../x' }, step, { received: 0 }).again.draftId).toBe('');
  });
});
