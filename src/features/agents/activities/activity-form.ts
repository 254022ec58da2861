import { parseRule, shortDate, type DeadlineRule } from '../../../lib/calendar/index.js';
import type * as activities from '../../../repositories/activities.repository.js';
import { hoursValue, type ActivityForm } from '../../reservations/reservations.schemas.js';

/** The activity form, both ways: what the agent typed to an activity, an activity to the form's fields. */

export const RUNS_DURING = [
  { value: 'school_weeks', label: 'En période scolaire (pas pendant les vacances)' },
  { value: 'school_holidays', label: 'Pendant les vacances scolaires seulement' },
  { value: 'all', label: 'Toute la période, vacances comprises' },
];

/** The activity form, checked, as the service takes it. */
export function toInput(f: ActivityForm): activities.ActivityInput {
  const cutoff = f.heure ? { cutoff: f.heure } : {};
  const bookingRule: DeadlineRule | null =
    f.regle === 'commune'
      ? null
      : f.regle === 'jours'
        ? { kind: 'days_before', days: Number(f.delai), calendar: f.calendrier ?? 'calendar', ...cutoff }
        : {
            kind: 'bondoufle',
            wednesday: { days: Number(f.delaiMercredi), ...cutoff },
            holidaySession: { weeks: Number(f.semainesVacances), ...cutoff },
          };
  const cancellationRule: DeadlineRule | null =
    f.annulation === 'identique'
      ? null
      : { kind: 'days_before', days: Number(f.delaiAnnulation), calendar: f.calendrier ?? 'calendar', ...cutoff };
  return {
    name: f.nom,
    site: f.site,
    unit: f.unite,
    startDate: f.du,
    endDate: f.au,
    weekdays: f.jours.map(Number).sort(),
    runsDuring: f.periode,
    capacity: f.capacite === '' ? null : Number(f.capacite),
    bookingRule,
    cancellationRule,
    confirmation: f.confirmation,
    cafDeclared: f.caf === 'oui',
    cafUnit: f.cafUnite,
    cafHoursPerDay: f.cafHeures === '' ? null : hoursValue(f.cafHeures),
  };
}

/** An activity as the form shows it. */
export function toValues(a: activities.ActivityRow): { values: Record<string, string>; jours: string[] } {
  const booking = a.bookingRule == null ? undefined : parseRule(a.bookingRule, a.id);
  const cancel = a.cancellationRule == null ? undefined : parseRule(a.cancellationRule, a.id);
  const values: Record<string, string> = {
    nom: a.name,
    site: a.site,
    unite: a.unit,
    du: shortDate(a.startDate),
    au: shortDate(a.endDate),
    periode: a.runsDuring,
    capacite: a.capacity === null ? '' : String(a.capacity),
    regle: booking ? (booking.kind === 'days_before' ? 'jours' : 'bondoufle') : 'commune',
    annulation: cancel ? 'jours' : 'identique',
    confirmation: a.confirmation,
    caf: a.cafDeclared ? 'oui' : '',
    cafUnite: a.cafUnit ?? 'heures',
    cafHeures: a.cafHoursPerDay == null ? '' : String(a.cafHoursPerDay).replace('.', ','),
  };
  if (booking?.kind === 'days_before')
    Object.assign(values, { delai: String(booking.days), calendrier: booking.calendar, heure: booking.cutoff ?? '' });
  if (booking?.kind === 'bondoufle') {
    Object.assign(values, {
      delaiMercredi: String(booking.wednesday.days),
      semainesVacances: String(booking.holidaySession.weeks),
      heure: booking.wednesday.cutoff ?? '',
    });
  }
  if (cancel?.kind === 'days_before')
    Object.assign(values, { delaiAnnulation: String(cancel.days), calendrier: values.calendrier ?? cancel.calendar });
  return { values, jours: a.weekdays.map(String) };
}
