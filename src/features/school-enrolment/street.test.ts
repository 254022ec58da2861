import { describe, expect, it } from 'vitest';
import { parseAddressLine, streetKey } from './street.js';

describe('streetKey', () => {
  it('gives one key whatever the abbreviations, accents, case and little words', () => {
    const key = 'avenue republique';
    expect(streetKey('Avenue de la République')).toBe(key);
    expect(streetKey('Av. de la republique')).toBe(key);
    expect(streetKey('AV DE LA RÉPUBLIQUE')).toBe(key);
    expect(streetKey('  avenue   République ')).toBe(key);
    expect(streetKey('Bd Saint-Michel')).toBe('boulevard saint michel');
    expect(streetKey("Rue de l'Église")).toBe('rue eglise');
    expect(streetKey('R. Jeanne d’Arc')).toBe('rue jeanne arc');
    expect(streetKey('Place du Cœur')).toBe('place coeur');
  });

  it('is empty for a name of little words only', () => {
    expect(streetKey(' de la ')).toBe('');
  });
});

describe('parseAddressLine', () => {
  it('reads the house number, a bis or ter after it, and the street', () => {
    expect(parseAddressLine('12 bis, av. de la République')).toEqual({ number: 12, key: 'avenue republique' });
    expect(parseAddressLine('3 rue des Écoles')).toEqual({ number: 3, key: 'rue ecoles' });
    expect(parseAddressLine('7B Rue Haute')).toEqual({ number: 7, key: 'rue haute' });
    expect(parseAddressLine('Lieu-dit Les Prés')).toEqual({ number: null, key: 'lieu dit pres' });
  });
});
