import { addDays, parisInstant, parseFrenchDate } from '../../../lib/calendar/index.js';
import type { AuditFilter } from '../../../repositories/audit-log.repository.js';
import type { JournalFilter } from '../back-office.schemas.js';

/** What an audit row is about, in words. */
export const TARGET_LABELS: Record<string, string> = {
  account: 'Compte',
  agent: 'Agent',
  family: 'Dossier famille',
  child: 'Enfant',
  adult: 'Adulte',
  import: 'Import',
  news: 'Actualité',
  town: 'Commune',
  activity: 'Activité',
  enrolment: 'Inscription',
  submission: 'Demande de réservation',
};

/** A detail value as one line of text (objects as JSON): the view escapes it. */
export function detailText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'number') return value.toLocaleString('fr-FR');
  return JSON.stringify(value);
}

/** The form's filters as the repository takes them: Europe/Paris days as instants, the last day whole. */
export function auditFilter(f: JournalFilter): AuditFilter {
  const from = f.du ? parseFrenchDate(f.du)! : null;
  const to = f.au ? parseFrenchDate(f.au)! : null;
  return {
    action: f.action || null,
    agentId: f.agent || null,
    from: from ? parisInstant(from) : null,
    // The whole last day, up to the next Paris midnight.
    to: to ? parisInstant(addDays(to, 1)) : null,
  };
}
