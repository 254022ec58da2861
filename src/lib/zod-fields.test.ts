import { describe, expect, it } from 'vitest';
import { CONTROL_OR_BIDI, line, name, phone, required } from './zod-fields.js';

const messages = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.message);

describe('the shared form fields', () => {
  it('refuse a required field left blank, or missing, in the words given', () => {
    const nom = required('Saisissez le nom', name('Le nom', 30));
    expect(messages(nom.safeParse('   '))).toEqual(['Saisissez le nom']);
    expect(messages(nom.safeParse(undefined))).toEqual(['Saisissez le nom']);
    expect(nom.parse("  D'Aubigné-Lévêque ")).toBe("D'Aubigné-Lévêque");
  });

  it('say what is wrong with a name: its length, a control character, a digit', () => {
    expect(messages(name('Le nom', 5).safeParse('Dupontel'))).toEqual(['Le nom doit comporter 5 caractères au maximum']);
    expect(messages(line('Le nom', 50).safeParse('Du\npont'))[0]).toBe("Le nom contient un caractère qui n'est pas accepté : retirez-le");
    expect(messages(name('Le nom', 50).safeParse('Dupont 2'))).toEqual([
      'Le nom ne doit contenir que des lettres, des espaces, des tirets et des apostrophes',
    ]);
    expect(name('Le nom', 50).parse('')).toBe('');
  });

  it('refuse bidirectional overrides only where asked', () => {
    expect(line('Le numéro', 50).safeParse('AB\u202eCD').success).toBe(true);
    expect(line('Le numéro', 50, CONTROL_OR_BIDI).safeParse('AB\u202eCD').success).toBe(false);
  });

  it('normalise a phone number, and refuse one that is none with the message given', () => {
    const tel = phone('Saisissez un numéro valide');
    expect(tel.parse(' 0559640000 ')).toBe('05 59 64 00 00');
    expect(tel.parse('')).toBe('');
    expect(messages(tel.safeParse('12'))).toEqual(['Saisissez un numéro valide']);
  });
});
