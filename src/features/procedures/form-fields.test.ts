import { describe, expect, it } from 'vitest';
import { answerWords, cannotAdd, fieldFormSchema, nextFieldId, publishProblems, readSubmission, type FormField } from './form-fields.js';

const fields: FormField[] = [
  { id: 'c1', kind: 'text', label: 'Objet', help: '', required: true, options: [] },
  { id: 'c2', kind: 'long_text', label: 'Précisions', help: '', required: false, options: [] },
  { id: 'c3', kind: 'date', label: 'Date souhaitée', help: '', required: true, options: [] },
  { id: 'c4', kind: 'choice', label: 'Créneau', help: '', required: true, options: ['Matin', 'Après-midi'] },
  { id: 'c5', kind: 'yes_no', label: 'Premier rendez-vous', help: '', required: true, options: [] },
  { id: 'c6', kind: 'number', label: "Nombre d'enfants", help: '', required: false, options: [] },
  { id: 'c7', kind: 'file', label: 'Justificatif', help: '', required: true, options: [] },
];
const valid = { c1: 'Inscription', c2: '', c3: '16/12/2026', c4: 'Matin', c5: 'oui', c6: '2' };

describe('readSubmission', () => {
  it('returns typed answers', () => {
    const r = readSubmission(fields, valid, { received: 1 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.answers.map((a) => a.value)).toEqual(['Inscription', null, '2026-12-16', 'Matin', true, 2, null]);
  });

  it('says what is wrong with each field, in the form order', () => {
    const r = readSubmission(fields, { c1: '', c3: '31/02/2026', c4: 'Soir', c5: 'peut-être', c6: 'deux' }, { received: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { field: 'c1', message: 'Saisissez une réponse pour « Objet »' },
      { field: 'c3', message: "La date saisie pour « Date souhaitée » n'existe pas : vérifiez le jour et le mois" },
      { field: 'c4', message: 'Choisissez une réponse de la liste pour « Créneau »' },
      { field: 'c5', message: 'Choisissez « Oui » ou « Non » pour « Premier rendez-vous »' },
      { field: 'c6', message: "Saisissez « Nombre d'enfants » en chiffres, par exemple 12" },
      {
        field: 'c7',
        message: 'Joignez « Justificatif » : ajoutez un fichier ou choisissez un document de votre espace de stockage',
      },
    ]);
    expect(r.values.c3).toBe('31/02/2026');
  });

  it('asks for the format when the date is not written as JJ/MM/AAAA', () => {
    const r = readSubmission(fields, { ...valid, c3: 'mardi prochain' }, { received: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ field: 'c3', message: 'Saisissez « Date souhaitée » au format JJ/MM/AAAA, par exemple 16/12/2026' }]);
  });

  it('passes a refused file on with its status', () => {
    const r = readSubmission(fields, valid, { received: 1, problem: { field: 'fichiers', status: 413, message: 'Trop lourd' } });
    expect(r).toMatchObject({ ok: false, status: 413, errors: [{ field: 'c7', message: 'Trop lourd' }] });
  });
});

describe('the builder', () => {
  it('requires a label and two options for a choice', () => {
    const r = fieldFormSchema.safeParse({ libelle: ' ', type: 'choice', options: 'Un' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toContain('Saisissez le libellé du champ');
    const r2 = fieldFormSchema.safeParse({ libelle: 'Créneau', type: 'choice', options: 'Un\n\nUn' });
    expect(r2.error?.issues.map((i) => i.message)).toEqual(['Saisissez au moins deux options, une par ligne']);
  });

  it('refuses a 21st field, a second file, and publishing nothing', () => {
    const twenty = Array.from({ length: 20 }, (_, i): FormField => ({ ...fields[0]!, id: `c${i + 1}` }));
    expect(cannotAdd(twenty, fields[0]!)?.message).toMatch(/20 champs au maximum/);
    expect(cannotAdd(fields, fields[6]!)?.field).toBe('type');
    expect(publishProblems([])).toEqual(['Ajoutez au moins un champ avant de publier le formulaire']);
    expect(nextFieldId(fields)).toBe('c8');
  });

  it('words answers', () => {
    expect(answerWords({ kind: 'yes_no', value: false })).toBe('Non');
    expect(answerWords({ kind: 'date', value: '2026-12-16' })).toBe('16/12/2026');
    expect(answerWords({ kind: 'text', value: null })).toBe('Non renseigné');
  });
});
