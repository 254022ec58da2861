import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, renderCalendar } from './ical.js';

const now = new Date('2026-11-23T09:00:00Z');

describe('iCalendar output', () => {
  it('escapes commas, semicolons, backslashes and newlines', () => {
    expect(escapeText('Cantine, école; "A\\B"\nligne 2')).toBe('Cantine\\, école\\; "A\\\\B"\\nligne 2');
  });

  it('folds lines at 75 octets without cutting a UTF-8 character', () => {
    const line = `SUMMARY:${'é'.repeat(60)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(75);
    for (const p of parts.slice(1)) expect(p.startsWith(' ')).toBe(true);
    // Unfolding gives the line back.
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SHORT:line')).toBe('SHORT:line');
  });

  it('writes all-day events with CRLF, stable UIDs and the tentative status', () => {
    const cal = {
      name: 'Agenda de Léa',
      now,
      events: [
        { uid: 'a-b-2026-12-08@espace-famille', day: '2026-12-08', summary: 'Cantine, midi', location: 'École; Nord' },
        { uid: 'a-b-2026-12-31@espace-famille', day: '2026-12-31', summary: 'ALSH (en attente)', tentative: true },
      ],
    };
    const ics = renderCalendar(cal);
    expect(ics).toBe(renderCalendar(cal));
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    expect(ics.replace(/\r\n/g, '')).not.toContain('\n');
    expect(lines).toContain('UID:a-b-2026-12-08@espace-famille');
    expect(lines).toContain('DTSTAMP:20261123T090000Z');
    expect(lines).toContain('DTSTART;VALUE=DATE:20261208');
    expect(lines).toContain('DTEND;VALUE=DATE:20261209');
    // The year's last day ends on the next year's first.
    expect(lines).toContain('DTEND;VALUE=DATE:20270101');
    expect(lines).toContain('SUMMARY:Cantine\\, midi');
    expect(lines).toContain('LOCATION:École\\; Nord');
    expect(lines).toContain('X-WR-TIMEZONE:Europe/Paris');
    expect(lines.filter((l) => l === 'STATUS:TENTATIVE')).toHaveLength(1);
    expect(lines.filter((l) => l === 'STATUS:CONFIRMED')).toHaveLength(1);
  });

  it('adds METHOD:PUBLISH for a mail attachment only', () => {
    expect(renderCalendar({ name: 'x', now, events: [], method: 'PUBLISH' })).toContain('METHOD:PUBLISH\r\n');
    expect(renderCalendar({ name: 'x', now, events: [] })).not.toContain('METHOD');
  });
});
