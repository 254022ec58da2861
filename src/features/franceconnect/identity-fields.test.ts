import { describe, expect, it } from 'vitest';
import { initialIdentityValues, lockedIdentityFields } from './identity-fields.js';

const claims = {
  givenName: 'Angela Claire Louise',
  familyName: 'DUBOIS',
  birthdate: '1962-08-04',
  birthplace: '75107',
  birthcountry: '99100',
  gender: 'female',
  email: 'angela.dubois@exemple.fr',
};

describe('the IDENTITÉ fields FranceConnect fills', () => {
  it('locks what the claims say for sure, in the form’s own format', () => {
    expect(lockedIdentityFields(claims)).toEqual({
      civilite: 'Mme',
      nomNaissance: 'DUBOIS',
      prenoms: 'Angela Claire Louise',
      dateNaissanceJour: '4',
      dateNaissanceMois: '8',
      dateNaissanceAnnee: '1962',
      paysNaissance: 'France',
    });
  });

  it('suggests the usual name without locking it, and locks nothing it is unsure of', () => {
    expect(initialIdentityValues(claims).nomUsuel).toBe('DUBOIS');
    const abroad = lockedIdentityFields({ ...claims, birthcountry: '99350', gender: '', birthdate: 'inconnue' });
    expect(abroad).toEqual({ nomNaissance: 'DUBOIS', prenoms: 'Angela Claire Louise' });
  });
});
