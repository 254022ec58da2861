import { describe, expect, it } from 'vitest';
import { readSectorFile } from './sector-csv.js';

const SCHOOLS = [
  { id: 's1', name: 'École maternelle Jules Ferry' },
  { id: 's2', name: 'École élémentaire Pasteur' },
];

describe('readSectorFile', () => {
  it('reads the lines, the header in any case and with accents, the numbers optional', () => {
    const text =
      '\uFEFFVoie;Numéro début;Numéro fin;Code postal;École\r\nAv. de la République;1;49;40220;ecole maternelle jules ferry\r\nRue Haute;;;40220;École élémentaire Pasteur\r\n';
    expect(readSectorFile(text, SCHOOLS)).toEqual({
      ok: true,
      rows: [
        {
          streetLabel: 'Av. de la République',
          streetKey: 'avenue republique',
          numberFrom: 1,
          numberTo: 49,
          postalCode: '40220',
          schoolId: 's1',
        },
        { streetLabel: 'Rue Haute', streetKey: 'rue haute', numberFrom: null, numberTo: null, postalCode: '40220', schoolId: 's2' },
      ],
    });
  });

  it('reports every wrong line with its number, in French', () => {
    const text = [
      'voie;numero_debut;numero_fin;code_postal;ecole',
      'Rue Haute;1;9;40220;École élémentaire Pasteur',
      ';x;3;4022;École inconnue',
      'Rue Basse;20;10;40220;',
    ].join('\n');
    expect(readSectorFile(text, SCHOOLS)).toEqual({
      ok: false,
      errors: [
        "Ligne 3 : la voie est vide ; le numéro de début « x » n'est pas un nombre entre 1 et 99999 ; le code postal « 4022 » doit compter 5 chiffres ; l'école « École inconnue » n'existe pas : créez-la d'abord ou corrigez son nom.",
        "Ligne 4 : le numéro de début (20) dépasse le numéro de fin (10) ; l'école est vide.",
      ],
    });
  });

  it('refuses a header without the columns, and an empty file', () => {
    expect(readSectorFile('rue;ecole\nRue Haute;Pasteur', SCHOOLS)).toEqual({
      ok: false,
      errors: [
        "Ligne 1 : la ligne d'en-tête doit nommer les colonnes voie;numero_debut;numero_fin;code_postal;ecole ; il manque : voie, numero_debut, numero_fin, code_postal.",
      ],
    });
    expect(readSectorFile('', SCHOOLS)).toEqual({ ok: false, errors: ['Le fichier est vide.'] });
  });

  it('reads 5,000 lines quickly', () => {
    const lines = ['voie;numero_debut;numero_fin;code_postal;ecole'];
    for (let i = 1; i <= 5000; i++) lines.push(`Rue numéro ${i};1;99;40220;École élémentaire Pasteur`);
    const started = performance.now();
    const file = readSectorFile(lines.join('\r\n'), SCHOOLS);
    expect(file.ok && file.rows.length).toBe(5000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
