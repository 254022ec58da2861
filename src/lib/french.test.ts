import { describe, expect, it } from 'vitest';
import { count, de, elide, listWords, personLabels, personName, startsWithVowelSound, upperName, weekdaysPlural } from './french.js';

describe('elision', () => {
  it('elides "de", "le", "que" before a vowel, an accented vowel or a mute h', () => {
    expect(de('Élodie')).toBe("d'Élodie");
    expect(de('Anne-Sophie')).toBe("d'Anne-Sophie");
    expect(de('Hélène')).toBe("d'Hélène");
    expect(de('Yvonne')).toBe("d'Yvonne");
    expect(de('œuvre')).toBe("d'œuvre");
    expect(elide('Le', 'enfant')).toBe("L'enfant");
    expect(elide('que', 'il')).toBe("qu'il");
  });

  it('keeps the particle whole before a consonant, an aspirated h or a "y" said as a consonant', () => {
    expect(de('Jean')).toBe('de Jean');
    expect(de('Hollande')).toBe('de Hollande');
    expect(elide('le', 'héros')).toBe('le héros');
    expect(de('yaourt')).toBe('de yaourt');
    expect(elide('pour', 'Élodie')).toBe('pour Élodie');
    expect(startsWithVowelSound('')).toBe(false);
  });
});

describe('count', () => {
  it('takes the singular for 0 and 1 and the plural from 2', () => {
    expect(count(0, 'demande')).toBe('0 demande');
    expect(count(1, 'heure ouvrée', 'heures ouvrées')).toBe('1 heure ouvrée');
    expect(count(48, 'heure ouvrée', 'heures ouvrées')).toBe('48 heures ouvrées');
    expect(count(8, 'jour réservé', 'jours réservés')).toBe('8 jours réservés');
    expect(count(3, 'repas')).toBe('3 repas');
  });

  it('writes large numbers the French way', () => {
    expect(count(12000, 'famille')).toBe('12\u202f000 familles');
  });
});

describe('lists and weekdays', () => {
  it('joins with commas and "et"', () => {
    expect(listWords([])).toBe('');
    expect(listWords(['lundi'])).toBe('lundi');
    expect(listWords(['a', 'b', 'c'])).toBe('a, b et c');
  });

  it('says repeated weekdays in the plural: "Tous les lundis et jeudis"', () => {
    expect(weekdaysPlural([1, 4])).toBe('lundis et jeudis');
    expect(weekdaysPlural([1, 2, 4, 5])).toBe('lundis, mardis, jeudis et vendredis');
  });
});

describe('names', () => {
  it('upper-cases accented names whole, whatever the server', () => {
    expect(upperName("d'Aubigné-Lévêque")).toBe("D'AUBIGNÉ-LÉVÊQUE");
    expect(upperName('Nguyễn')).toBe('NGUYỄN');
    expect(personName('Marie-Bénédicte', "d'Aubigné")).toBe("Marie-Bénédicte D'AUBIGNÉ");
  });

  it('lists people once each, in French order unless told to keep theirs', () => {
    const people = [
      { firstNames: 'Élodie', lastName: 'Martin' },
      { firstNames: 'Bruno', lastName: 'Martin' },
      { firstNames: 'Élodie', lastName: 'MARTIN' },
    ];
    expect(personLabels(people)).toEqual(['Bruno MARTIN', 'Élodie MARTIN']);
    expect(personLabels(people, false)).toEqual(['Élodie MARTIN', 'Bruno MARTIN']);
  });
});
