import { describe, expect, it } from 'vitest';
import { attendanceSavedMessage, parseAttendanceForm } from './attendance-form.js';

const A = '0b6f3f0e-8a52-4a0e-9d67-1f6b4c1b2a01';
const B = '0b6f3f0e-8a52-4a0e-9d67-1f6b4c1b2a02';

describe('the attendance sheet form', () => {
  it('reads both groups of ticks as one set of children, remembering who was booked', () => {
    const form = parseAttendanceForm({ presents: [A.toUpperCase()], sansReservation: B });
    expect(form.ok).toBe(true);
    if (!form.ok) return;
    expect([...form.present].sort()).toEqual([A, B]);
    expect([...form.fromBooked]).toEqual([A]);
  });

  it('takes an empty sheet (nobody came) as a sheet', () => {
    expect(parseAttendanceForm({})).toEqual({ ok: true, present: new Set(), fromBooked: new Set() });
  });

  it('refuses what a browser does not send, naming the group', () => {
    expect(parseAttendanceForm({ presents: ['not-an-id'] })).toMatchObject({ ok: false, field: 'presents' });
    expect(parseAttendanceForm({ sansReservation: [{ id: A }] })).toMatchObject({ ok: false, field: 'sansReservation' });
    expect(parseAttendanceForm({ presents: Array.from({ length: 1001 }, () => A) })).toMatchObject({ ok: false });
  });

  it('says what was saved, in French plurals', () => {
    expect(attendanceSavedMessage('2026-12-10', { present: 3, absent: 1, walkIns: 0 })).toBe(
      'La feuille de présence du jeudi 10 décembre est enregistrée : 3 présents, 1 absent, 0 venu sans réservation.',
    );
  });
});
