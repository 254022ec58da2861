import { dayLabel, formatDate, formatTime } from '../../../lib/calendar/index.js';
import { pdfWriter } from '../../../lib/pdf.js';
import type { SiteCounts } from './meal-counts.js';

/** The day's counts on paper for the kitchen: the table of the page, then each site's PAI. */
export async function countsPdf(
  townName: string,
  day: string,
  counts: readonly (SiteCounts & { frozenAt: Date | null })[],
  createdAt: Date,
): Promise<Buffer> {
  const title = `Repas du ${dayLabel(day)} ${day.slice(0, 4)}`;
  const pdf = pdfWriter({ title, author: townName, subject: 'Effectifs de la cuisine', createdAt });
  pdf.heading('H1', title);
  if (counts.length === 0) pdf.paragraph('Aucun repas réservé ce jour.');
  else
    pdf.table(
      [
        { header: 'Site', width: '*' },
        // Wide enough for each header on its line or two at a space: a word cut in two reads badly.
        { header: 'Effectifs', width: 95 },
        { header: 'Repas', width: 42, align: 'right' },
        { header: 'Standard', width: 60, align: 'right' },
        { header: 'Sans porc', width: 58, align: 'right' },
        { header: 'Végétarien', width: 68, align: 'right' },
        { header: 'Sans gluten', width: 62, align: 'right' },
        { header: 'PAI', width: 32, align: 'right' },
      ],
      counts.map((c) => [
        c.site || 'Sans site',
        c.frozenAt ? `Arrêtés le ${formatDate(c.frozenAt)} à ${formatTime(c.frozenAt)}` : 'Provisoires',
        String(c.meals),
        String(c.standard),
        String(c.noPork),
        String(c.vegetarian),
        String(c.glutenFree),
        String(c.pai),
      ]),
    );
  for (const c of counts) {
    if (c.paiAllergens.length === 0) continue;
    pdf.heading('H2', `PAI – ${c.site || 'Sans site'}`);
    for (const line of c.paiAllergens) pdf.paragraph(line);
  }
  return pdf.finish();
}
