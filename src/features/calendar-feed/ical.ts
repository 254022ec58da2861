import { addDays } from '../../lib/calendar/index.js';

/**
 * A small iCalendar (RFC 5545) writer for what the portal publishes: all-day events (the
 * activities have days, not times). Hand-written rather than a library: a dozen lines of
 * text, and what matters — escaping, folding, stable UIDs — is tested here.
 */

export interface IcsEvent {
  /** Stable across fetches, so a phone updates the event rather than adding a copy. */
  uid: string;
  day: string;
  summary: string;
  location?: string;
  description?: string;
  tentative?: boolean;
}

export interface IcsCalendar {
  name: string;
  /** The feed's generation time (DTSTAMP of every event). */
  now: Date;
  events: IcsEvent[];
  /** METHOD:PUBLISH for a mail's attachment; none for a subscribed feed. */
  method?: 'PUBLISH';
}

/** TEXT values: backslash, semicolon and comma escaped, newlines as \n (RFC 5545 3.3.11). */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Lines longer than 75 octets are folded: CRLF then a space (RFC 5545 3.1). A UTF-8 character
 * is never cut in two, so "é" at the boundary moves whole to the next line.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    // The continuation's leading space counts in its 75 octets.
    const max = parts.length === 0 ? 75 : 74;
    if (octets + size > max) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const date = (day: string) => day.replaceAll('-', '');
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function renderCalendar(cal: IcsCalendar): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Espace Famille//Agenda//FR', 'CALSCALE:GREGORIAN'];
  if (cal.method) lines.push(`METHOD:${cal.method}`);
  lines.push(`X-WR-CALNAME:${escapeText(cal.name)}`, 'X-WR-TIMEZONE:Europe/Paris');
  for (const e of cal.events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${stamp(cal.now)}`,
      `DTSTART;VALUE=DATE:${date(e.day)}`,
      // DTEND is exclusive: an all-day event ends the next day.
      `DTEND;VALUE=DATE:${date(addDays(e.day, 1))}`,
      `SUMMARY:${escapeText(e.summary)}`,
    );
    if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    lines.push(`STATUS:${e.tentative ? 'TENTATIVE' : 'CONFIRMED'}`, 'TRANSP:TRANSPARENT', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
