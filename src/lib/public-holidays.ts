import Holidays from 'date-holidays';

/**
 * French public holidays (jours fériés) from date-holidays, which is maintained (Easter-based
 * dates, law changes) so we never keep our own list. Only type 'public': observances such
 * as Pentecost Sunday or Mother's Day are no days off. Metropolitan France only: the
 * Alsace-Moselle extra days would need the town's region, which no demo town has.
 */
const holidays = new Holidays('FR');
const byYear = new Map<number, Map<string, string>>();

function yearHolidays(year: number): Map<string, string> {
  let days = byYear.get(year);
  if (!days) {
    days = new Map();
    for (const h of holidays.getHolidays(year)) {
      if (h.type === 'public') days.set(h.date.slice(0, 10), h.name);
    }
    byYear.set(year, days);
  }
  return days;
}

/** The holiday's French name ("Armistice 1918") when `day` ('YYYY-MM-DD') is a public holiday. */
export function publicHolidayName(day: string): string | undefined {
  return yearHolidays(Number(day.slice(0, 4))).get(day);
}

export function isPublicHoliday(day: string): boolean {
  return publicHolidayName(day) !== undefined;
}
