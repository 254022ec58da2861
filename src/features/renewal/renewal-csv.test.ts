import { describe, expect, it } from 'vitest';
import { campaignCsv } from './renewal-csv.js';

describe('campaignCsv', () => {
  it('writes one line per child, with the status in words and formula-like text neutralised', () => {
    const csv = campaignCsv([
      {
        familyName: 'MARTIN',
        cleEnfance: 'K1',
        firstNames: 'Léa',
        lastName: 'Martin',
        status: 'todo',
        submittedAt: null,
        missing: null,
        activities: [],
      },
      {
        familyName: '=HACK()',
        cleEnfance: 'K2',
        firstNames: 'Tom',
        lastName: 'Roy',
        status: 'incomplete',
        submittedAt: new Date('2027-05-10T10:00:00Z'),
        missing: 'Le justificatif; récent',
        activities: ['Cantine', 'Garderie'],
      },
    ]);
    expect(csv.split('\r\n')).toEqual([
      '\uFEFFFamille;Clé Enfance;Enfant;Statut;Envoyé le;Ce qui manque;Activités choisies',
      'MARTIN;K1;Léa Martin;À faire;;;',
      '\'=HACK();K2;Tom Roy;Incomplet;10/05/2027;"Le justificatif; récent";Cantine, Garderie',
      '',
    ]);
  });
});
