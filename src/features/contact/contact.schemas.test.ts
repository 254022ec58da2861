import { describe, expect, it } from 'vitest';
import { readAddress, readPhones } from './contact.schemas.js';

describe('the forms of Coordonnées', () => {
  it('take an address as the wizard does, every field given to the service', () => {
    const form = readAddress({ numero: '12', nomVoie: 'rue des Écoles', codePostal: '40220', ville: 'Tarnos', pays: 'France' });
    expect(form).toEqual({
      ok: true,
      data: expect.objectContaining({
        addressNumber: '12',
        addressStreet: 'rue des Écoles',
        postalCode: '40220',
        city: 'Tarnos',
        addressBuilding: '',
      }),
    });
  });

  it('keep a refused address as typed, and take a repeated field as empty', () => {
    const form = readAddress({ numero: '12', nomVoie: ['rue A', 'rue B'], ville: 'x'.repeat(101) });
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.errors.map((e) => e.field)).toEqual(['ville']);
    expect(form.values).toMatchObject({ numero: '12', nomVoie: '' });
  });

  it('never speak of the email on the phones’ form, which does not show it', () => {
    const form = readPhones({ telephone: 'abc', moyenContactPrefere: 'courriel' }, 'not an email');
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.errors.map((e) => e.field)).not.toContain('courriel');
    expect(form.errors.map((e) => e.field)).toContain('telephone');
    expect(form.values).not.toHaveProperty('courriel');
  });

  it('give the numbers and the preferred means', () => {
    expect(readPhones({ mobile: '06 12 34 56 78', moyenContactPrefere: 'mobile' }, 'a@exemple.fr')).toEqual({
      ok: true,
      data: expect.objectContaining({ preferredContact: 'mobile', phone: '', fax: '' }),
    });
  });
});
