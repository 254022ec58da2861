import { textCell } from '../billing/export-csv.js';

/** The rating scale: 1 (pas du tout satisfait) to 5 (très satisfait). */
export const RATINGS = [1, 2, 3, 4, 5] as const;
export const RATING_LABELS: Record<number, string> = {
  1: 'Pas du tout satisfait',
  2: 'Peu satisfait',
  3: 'Moyennement satisfait',
  4: 'Satisfait',
  5: 'Très satisfait',
};

export interface QuestionResult {
  question: string;
  /** Answers per rating, 1 to 5 in order. */
  counts: number[];
  answered: number;
  /** Null when nobody rated it. */
  average: number | null;
}

/** Counts per rating and the average of each question, from the anonymous answers. */
export function surveyResults(questions: readonly string[], answers: readonly { ratings: number[] }[]): QuestionResult[] {
  return questions.map((question, i) => {
    const counts = RATINGS.map(() => 0);
    let sum = 0;
    let answered = 0;
    for (const a of answers) {
      const r = a.ratings[i];
      if (r === undefined || r < 1 || r > 5) continue;
      counts[r - 1]! += 1;
      sum += r;
      answered += 1;
    }
    return { question, counts, answered, average: answered === 0 ? null : Math.round((sum / answered) * 10) / 10 };
  });
}

/**
 * One question's counts as horizontal bars (rating 1 at the top), in SVG coordinates
 * computed here so the view only draws, like the occupancy chart. The same numbers are in
 * the table under it.
 */
export function ratingChart(counts: readonly number[]) {
  const width = 480;
  const left = 40;
  const right = 40;
  const top = 8;
  const barHeight = 22;
  const gap = 8;
  const plotWidth = width - left - right;
  const max = Math.max(1, ...counts);
  const bars = counts.map((n, i) => ({
    rating: i + 1,
    count: n,
    y: top + i * (barHeight + gap),
    width: (n / max) * plotWidth,
  }));
  return { width, height: top * 2 + counts.length * (barHeight + gap) - gap, left, barHeight, bars };
}

/** The counts as a CSV (the billing export's conventions: `;`, CRLF, a byte-order mark, formula-like text neutralised). */
export function resultsCsv(results: readonly QuestionResult[]): string {
  const header = ['Question', ...RATINGS.map((r) => `Note ${r}`), 'Réponses', 'Moyenne'];
  const rows = [header.map(textCell)];
  for (const q of results) {
    rows.push([
      textCell(q.question),
      ...q.counts.map(String),
      String(q.answered),
      q.average === null ? '' : String(q.average).replace('.', ','),
    ]);
  }
  return `\uFEFF${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
