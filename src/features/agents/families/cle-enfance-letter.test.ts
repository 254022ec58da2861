import { describe, expect, it } from 'vitest';
import { letterFileName, letterRecipient } from './cle-enfance-letter.js';

describe('the Clé Enfance letter', () => {
  it('is addressed to each adult of the file, last name in capitals', () => {
    expect(letterRecipient({ civility: 'Mme', firstNames: 'Sophie', lastName: 'Martin' })).toBe('Mme Sophie MARTIN');
    expect(letterRecipient({ civility: 'M', firstNames: 'Karim', lastName: 'Benali' })).toBe('M. Karim BENALI');
  });

  it('downloads under a plain ASCII name made from the family, never a typed one', () => {
    expect(letterFileName('Lefèvre-Ødegård')).toBe('cle-enfance-lefevre-degard.pdf');
    expect(letterFileName('../"etc";passwd')).toBe('cle-enfance-etc-passwd.pdf');
    expect(letterFileName('李')).toBe('cle-enfance-famille.pdf');
    expect(letterFileName('a'.repeat(100))).toBe(`cle-enfance-${'a'.repeat(60)}.pdf`);
  });
});
