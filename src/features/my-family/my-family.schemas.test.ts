import { describe, expect, it } from 'vitest';
import { MAX_PERSONS, personRows } from './my-family.schemas.js';

describe('the persons allowed to collect a child', () => {
  it('get two empty rows when none is filled', () => {
    expect(personRows({}).map((r) => r.n)).toEqual([1, 2]);
  });

  it('keep every row up to the last filled, a gap included, and two more', () => {
    const rows = personRows({ personne1Nom: 'Mamie', personne3Telephone: '06 12 34 56 78' });
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[2]).toEqual({ n: 3, nom: 'personne3Nom', lien: 'personne3Lien', telephone: 'personne3Telephone' });
  });

  it('never offer more rows than the file keeps', () => {
    expect(personRows({ [`personne${MAX_PERSONS}Lien`]: 'Voisine' })).toHaveLength(MAX_PERSONS);
  });
});
