import type { MealRow } from '../../../repositories/kitchen.repository.js';
import { formatDate, formatTime } from '../../../lib/calendar/index.js';
import { textCell } from '../../billing/export-csv.js';

export interface SiteCounts {
  site: string;
  meals: number;
  standard: number;
  noPork: number;
  vegetarian: number;
  glutenFree: number;
  pai: number;
  /** Each PAI child's allergens, "Prénom NOM : arachide", so the kitchen knows what to leave out. */
  paiAllergens: string[];
}

/**
 * The counting rule (docs/cuisine-et-listes.md): a child counts once per day and site in
 * `meals`. A PAI child counts in PAI only, since the PAI decides the whole meal. Otherwise
 * each diet is counted on its own (a child both vegetarian and gluten-free is in both
 * columns), vegetarian replaces pork-free (it already has no pork), and a child with no
 * diet is "standard".
 */
export function countMeals(rows: readonly MealRow[]): SiteCounts[] {
  const bySite = new Map<string, SiteCounts>();
  for (const r of rows) {
    let s = bySite.get(r.site);
    if (!s) {
      s = { site: r.site, meals: 0, standard: 0, noPork: 0, vegetarian: 0, glutenFree: 0, pai: 0, paiAllergens: [] };
      bySite.set(r.site, s);
    }
    s.meals += 1;
    if (r.pai) {
      s.pai += 1;
      s.paiAllergens.push(`${r.firstNames} ${r.lastName} : ${r.paiAllergens.trim() || 'allergènes non précisés'}`);
      continue;
    }
    if (r.vegetarian) s.vegetarian += 1;
    else if (r.noPork) s.noPork += 1;
    if (r.glutenFree) s.glutenFree += 1;
    if (!r.vegetarian && !r.noPork && !r.glutenFree) s.standard += 1;
  }
  return [...bySite.values()].sort((a, b) => a.site.localeCompare(b.site, 'fr'));
}

/** One site's counts, zeros when nobody is booked there. */
export function countSite(site: string, rows: readonly MealRow[]): SiteCounts {
  return countMeals(rows)[0] ?? { site, meals: 0, standard: 0, noPork: 0, vegetarian: 0, glutenFree: 0, pai: 0, paiAllergens: [] };
}

const HEADER = ['Jour', 'Site', 'Effectifs', 'Repas', 'Standard', 'Sans porc', 'Végétarien', 'Sans gluten', 'PAI', 'Allergènes des PAI'];

/** The counts as a CSV with the billing export's conventions (`;`, CRLF, BOM, formulas neutralised). */
export function countsCsv(day: string, counts: readonly (SiteCounts & { frozenAt: Date | null })[]): string {
  const rows = [HEADER.map(textCell)];
  for (const c of counts) {
    rows.push([
      day,
      textCell(c.site),
      c.frozenAt ? `Arrêtés le ${formatDate(c.frozenAt)} à ${formatTime(c.frozenAt)}` : 'Provisoires',
      String(c.meals),
      String(c.standard),
      String(c.noPork),
      String(c.vegetarian),
      String(c.glutenFree),
      String(c.pai),
      textCell(c.paiAllergens.join(' | ')),
    ]);
  }
  return `\uFEFF${rows.map((r) => r.join(';')).join('\r\n')}\r\n`;
}
