import { describe, expect, it } from 'vitest';
import { pdfFontNames, pdfUnicodeText } from '../../../../test/helpers/pdf.js';
import { letterFileName, letterRecipient, renderCleEnfanceLetter } from './cle-enfance-letter.js';

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

  it('draws what the town typed as typed, U+202F and letters beyond Latin-1 included, in embedded DejaVu', async () => {
    const pdf = await renderCleEnfanceLetter({
      townName: 'Saint-Étienne',
      townUrl: 'http://portail.test/saint-etienne/',
      familyName: 'Łukasiewicz',
      recipients: ['Mme Zoë ŁUKASIEWICZ'],
      addressLine: '12\u202fbis rue Œuvre',
      postalCode: '42000',
      city: 'Saint-Étienne',
      cleEnfance: '42218-LUKAS01',
      date: '2 décembre 2026',
      createdAt: new Date('2026-12-02T09:00:00Z'),
      services: [
        {
          id: 's1',
          name: 'Service Enfance',
          address: '1 place de l’Hôtel de Ville',
          phone: '04\u202f77\u202f48\u202f77\u202f48',
          email: 'enfance@example.test',
        },
      ],
    });
    const text = pdfUnicodeText(pdf);
    expect(text).toContain('Famille ŁUKASIEWICZ');
    expect(text).toContain('12\u202fbis rue Œuvre');
    expect(text).toContain('04\u202f77\u202f48\u202f77\u202f48');
    expect(text).toContain('42218-LUKAS01');
    // A glyph the font lacks would read as U+0000 (.notdef): none.
    expect(text).not.toContain('\u0000');
    expect(pdfFontNames(pdf).some((f) => f.endsWith('+DejaVuSans'))).toBe(true);
  });
});
