import { describe, expect, it } from 'vitest';
import type { InvoiceLine } from '../../repositories/billing-invoices.repository.js';
import { attendedWords, bookedWords, invoiceDays, remainingCents } from './invoice-days.js';

const line = (day: string, childName: string): InvoiceLine => ({
  id: `${day}-${childName}`,
  childId: null,
  childName,
  activityId: null,
  activityName: 'Restauration scolaire',
  day,
  kind: 'reserved_present',
  category: 'repas',
  unitPriceCents: 380,
  surchargeBp: 0,
  amountCents: 380,
  reason: 'Réservé, présent',
  qf: 1200,
  siblingRank: 1,
  reservationId: null,
  attendanceRecorded: true,
  absenceRequestId: null,
});

describe('invoiceDays', () => {
  it('groups the lines of one day together, days in order', () => {
    const days = invoiceDays([line('2026-11-02', 'Emma'), line('2026-11-02', 'Lucas'), line('2026-11-03', 'Emma')]);
    expect(days.map((d) => [d.day, d.lines.map((l) => l.childName)])).toEqual([
      ['2026-11-02', ['Emma', 'Lucas']],
      ['2026-11-03', ['Emma']],
    ]);
  });
});

describe('the words of a line', () => {
  it('says what was booked and what was attended for each kind of line', () => {
    expect([bookedWords('unreserved_surcharge'), attendedWords('unreserved_surcharge')]).toEqual(['Non réservé', 'Présent']);
    expect([bookedWords('reserved_absent_unjustified'), attendedWords('reserved_absent_unjustified')]).toEqual(['Réservé', 'Absent']);
    expect(attendedWords('reserved')).toBe('Présence non relevée');
    expect(attendedWords('absent_justified')).toBe('Absent (absence justifiée)');
  });
});

describe('remainingCents', () => {
  it('is nothing once the invoice is paid, the total less credit notes otherwise', () => {
    expect(remainingCents({ status: 'payee', dueCents: 1200 })).toBe(0);
    expect(remainingCents({ status: 'en_retard', dueCents: 1200 })).toBe(1200);
  });
});
