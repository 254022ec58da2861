import { describe, expect, it } from 'vitest';
import { pageCount, readParentMessage } from './parent-message.js';

const tooLarge = { field: 'fichiers', status: 413 as const, message: 'Chaque fichier doit faire 10 Mo au maximum' };

describe('a parent’s message on a request', () => {
  it('is taken with its text when the files passed', () => {
    expect(readParentMessage({ message: 'Voici le justificatif' }, {})).toEqual({ ok: true, message: 'Voici le justificatif' });
  });

  it('says what is wrong with the text and the files at once, keeping the text', () => {
    const form = readParentMessage({ message: '' }, { problem: { ...tooLarge, status: 400 } });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.status).toBe(400);
    expect(form.errors.map((e) => e.field)).toEqual(['message', 'fichiers']);
  });

  it('answers 413 for a file too large, with the typed text kept', () => {
    const form = readParentMessage({ message: 'Bonjour' }, { problem: tooLarge });
    expect(form).toMatchObject({ ok: false, status: 413, values: { message: 'Bonjour' } });
  });

  it('counts one page at least', () => {
    expect([pageCount(0, 20), pageCount(20, 20), pageCount(21, 20)]).toEqual([1, 1, 2]);
  });
});
