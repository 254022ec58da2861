import { describe, expect, it } from 'vitest';
import type { MealRow } from '../../../repositories/kitchen.repository.js';
import { countMeals } from './meal-counts.js';

const row = (site: string, childId: string, diet: Partial<MealRow> = {}): MealRow => ({
  site,
  childId,
  firstNames: 'Léa',
  lastName: 'TEST',
  noPork: false,
  vegetarian: false,
  glutenFree: false,
  pai: false,
  paiAllergens: '',
  ...diet,
});

describe('countMeals', () => {
  it('puts a PAI child in PAI only and lets the other diets add up, vegetarian replacing pork-free', () => {
    const [a, b] = countMeals([
      row('B', '1', { pai: true, vegetarian: true }),
      row('B', '2', { vegetarian: true, noPork: true, glutenFree: true }),
      row('B', '3', { noPork: true }),
      row('A', '4'),
    ]);
    expect(a).toMatchObject({ site: 'A', meals: 1, standard: 1 });
    expect(b).toMatchObject({ site: 'B', meals: 3, standard: 0, noPork: 1, vegetarian: 1, glutenFree: 1, pai: 1 });
    expect(b?.paiAllergens).toEqual(['Léa TEST : allergènes non précisés']);
  });
});
