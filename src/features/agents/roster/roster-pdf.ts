import { dayLabel } from '../../../lib/calendar/index.js';
import { pdfWriter } from '../../../lib/pdf.js';
import type { ChildFlags } from '../../../repositories/roster.repository.js';
import { groupLabel } from '../../reservations/attendance.service.js';
import type { Roster } from './roster.service.js';

const name = (c: { lastName: string; firstNames: string }) => `${c.lastName.toUpperCase()} ${c.firstNames}`;

export function collectors(f: ChildFlags | undefined): string {
  if (!f) return '–';
  const persons = f.authorisedPersons.map((p) => [p.fullName, p.relationship && `(${p.relationship})`, p.phone].filter(Boolean).join(' '));
  if (f.mayLeaveAlone) persons.unshift('Peut partir seul');
  return persons.join(' ; ') || 'Personne d’autre que les responsables';
}

export function healthText(f: ChildFlags | undefined): string {
  if (!f) return '–';
  const parts: string[] = [];
  if (f.pai) parts.push(`PAI : ${f.paiAllergens.trim() || 'allergènes non précisés'}`);
  if (f.allergies.trim()) parts.push(`Allergies : ${f.allergies.trim()}`);
  if (f.healthNotes.trim()) parts.push(`Santé : ${f.healthNotes.trim()}`);
  return parts.join(' ; ') || '–';
}

/** The roster on paper: one table per activity, with a blank column to tick by hand. */
export async function rosterPdf(townName: string, day: string, site: string, roster: Roster, createdAt: Date): Promise<Buffer> {
  const title = `Liste du ${dayLabel(day)} ${day.slice(0, 4)} – ${site}${roster.group ? ` – ${groupLabel(roster.group)}` : ''}`;
  const pdf = pdfWriter({ title, author: townName, subject: 'Liste du jour', createdAt });
  pdf.heading('H1', title);
  if (!roster.health) pdf.paragraph('Sans les informations de santé : votre compte n’a pas le droit de les voir.');
  if (roster.activities.length === 0) pdf.paragraph('Aucune activité de ce site ce jour-là.');
  for (const a of roster.activities) {
    pdf.heading('H2', a.activity.name);
    const columns = [
      { header: 'Présent', width: 45 },
      { header: 'Enfant', width: 110 },
      { header: 'Classe', width: 45 },
      ...(roster.health ? [{ header: 'Santé', width: '*' as const }] : []),
      { header: 'Peut le chercher', width: roster.health ? 110 : ('*' as const) },
      { header: 'Photos', width: 40 },
    ];
    const line = (c: { childId: string; lastName: string; firstNames: string; className?: string }, note = '') => {
      const f = roster.flags[c.childId];
      return [
        '',
        name(c) + note,
        c.className || '–',
        ...(roster.health ? [healthText(f)] : []),
        collectors(f),
        f?.photoConsent ? 'Oui' : 'Non',
      ];
    };
    const rows = [
      ...a.sheet.booked.map((c) => line(c, c.absence ? ' (absence signalée)' : '')),
      ...a.waiting.map((c) => line(c, ` (liste d’attente, rang ${c.rank})`)),
    ];
    if (rows.length === 0) pdf.paragraph('Aucun enfant réservé ni en liste d’attente.');
    else pdf.table(columns, rows);
    const absentOnly = a.sheet.absences.filter((x) => !a.sheet.booked.some((b) => b.childId === x.childId));
    if (absentOnly.length > 0) pdf.paragraph(`Absences signalées sans place réservée : ${absentOnly.map(name).join(', ')}`);
  }
  return pdf.finish();
}
