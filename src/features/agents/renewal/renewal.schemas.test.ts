import { describe, expect, it } from 'vitest';
import { readCampaign, readMissing } from './renewal.schemas.js';

const ACT = '0b6a0d8e-1f1a-4c53-9d55-4a0e9c1d2f3a';
const GOOD = {
  titre: 'Rentrée 2027',
  rentree: '01/09/2027',
  finAnnee: '03/07/2028',
  ouverture: '01/05/2027',
  cloture: '30/06/2027',
  relances: '2, 7',
  activites: [ACT],
  pieces: 'justificatif_domicile',
};

describe('readCampaign', () => {
  it('reads the campaign, reminders largest first', () => {
    expect(readCampaign(GOOD, [ACT])).toEqual({
      ok: true,
      data: {
        title: 'Rentrée 2027',
        yearStart: '2027-09-01',
        yearEnd: '2028-07-03',
        opensOn: '2027-05-01',
        closesOn: '2027-06-30',
        requiredKinds: ['justificatif_domicile'],
        reminderDays: [7, 2],
        activityIds: [ACT],
      },
    });
  });

  it('says every problem at once and keeps what was typed and ticked', () => {
    const form = readCampaign({ ...GOOD, titre: ' ', cloture: '15/09/2027', relances: '7, 45', pieces: ['forged'], activites: ['x'] }, [
      ACT,
    ]);
    if (form.ok) throw new Error('accepted');
    expect(form.errors.map((e) => e.field)).toEqual(['titre', 'cloture', 'relances', 'pieces', 'activites']);
    expect(form.errors[1]!.message).toBe('La clôture doit être avant la rentrée');
    expect(form.values.relances).toBe('7, 45');
    expect(form.pieces).toEqual(['forged']);
  });

  it('refuses missing and malformed dates, a year ending before it starts, a close before the opening', () => {
    const form = readCampaign({ ...GOOD, rentree: '', finAnnee: '31/02/2027', ouverture: '30/06/2027', cloture: '01/05/2027' }, [ACT]);
    if (form.ok) throw new Error('accepted');
    expect(form.errors).toEqual([
      { field: 'rentree', message: 'Saisissez la date de la rentrée' },
      { field: 'finAnnee', message: "Saisissez la date de fin de l'année scolaire au format JJ/MM/AAAA, par exemple 01/09/2027" },
      { field: 'cloture', message: "La clôture doit être le jour de l'ouverture ou après" },
    ]);
  });
});

describe('readMissing', () => {
  it('needs what is missing, in words', () => {
    expect(readMissing({ manque: ' Le justificatif de domicile ' })).toEqual({ ok: true, message: 'Le justificatif de domicile' });
    expect(readMissing({ manque: '' }).ok).toBe(false);
  });
});
