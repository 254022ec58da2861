import { describe, expect, it } from 'vitest';
import { ratingChart, resultsCsv, surveyResults } from './survey-results.js';

describe('surveyResults', () => {
  it('counts each rating per question and rounds the average to a tenth', () => {
    const results = surveyResults(['Repas', 'Accueil'], [{ ratings: [5, 1] }, { ratings: [4, 2] }, { ratings: [4, 2] }]);
    expect(results).toEqual([
      { question: 'Repas', counts: [0, 0, 0, 2, 1], answered: 3, average: 4.3 },
      { question: 'Accueil', counts: [1, 2, 0, 0, 0], answered: 3, average: 1.7 },
    ]);
  });

  it('has no average without answers', () => {
    expect(surveyResults(['Repas'], [])[0]).toEqual({ question: 'Repas', counts: [0, 0, 0, 0, 0], answered: 0, average: null });
  });
});

describe('ratingChart', () => {
  it('draws the largest count across the whole plot and the others in proportion, one row per rating', () => {
    const chart = ratingChart([0, 1, 0, 4, 2]);
    expect(chart.bars.map((b) => b.width)).toEqual([0, 100, 0, 400, 200]);
    expect(chart.bars.map((b) => b.y)).toEqual([8, 38, 68, 98, 128]);
    expect(chart.height).toBe(8 * 2 + 5 * 30 - 8);
    // Every bar and its count label stay inside the drawing.
    for (const b of chart.bars) expect(chart.left + b.width + 30).toBeLessThanOrEqual(chart.width);
  });

  it('draws no bar when nobody answered, without dividing by zero', () => {
    expect(ratingChart([0, 0, 0, 0, 0]).bars.every((b) => b.width === 0)).toBe(true);
  });
});

describe('resultsCsv', () => {
  it('neutralises a question that looks like a formula and writes French decimals', () => {
    const csv = resultsCsv(surveyResults(['=1+1'], [{ ratings: [4] }, { ratings: [5] }]));
    expect(csv.split('\r\n')[1]).toBe("'=1+1;0;0;0;1;1;2;4,5");
  });
});
