import { describe, expect, it } from 'vitest';
import { accountFromDraft } from './signup-account.js';
import { actionOf, screenTitle } from './signup-screens.js';
import type { SignupDraft } from './signup.draft.js';

const values = {
  identite: {
    civilite: 'Mme',
    nomUsuel: 'Durand',
    prenoms: 'Léa',
    dateNaissanceJour: '27',
    dateNaissanceMois: '3',
    dateNaissanceAnnee: '1985',
    paysNaissance: 'France',
    departementNaissance: 'Landes',
    communeNaissance: 'Dax',
  },
  adresse: { numero: '14', nomVoie: 'Boulevard Jacques Duclos', codePostal: '40220', ville: 'Tarnos', pays: 'France' },
  contact: { mobile: '0534258615', courriel: 'durand@example.fr', moyenContactPrefere: 'courriel' },
};
const draft = (v: SignupDraft['values']): SignupDraft => ({ townId: 't', values: v, completed: ['identite', 'adresse', 'contact'] });

describe('the account the wizard creates', () => {
  it('gathers the three steps', () => {
    const account = accountFromDraft(draft(values), '2026-12-02');
    expect(account).toEqual({
      ok: true,
      input: expect.objectContaining({ lastName: 'Durand', city: 'Tarnos', email: 'durand@example.fr', mobile: '05 34 25 86 15' }),
    });
  });

  it('sends back to a step that no longer passes, which is no longer done', () => {
    const d = draft({ ...values, adresse: { ...values.adresse, ville: 'x'.repeat(101) } });
    expect(accountFromDraft(d, '2026-12-02')).toEqual({ ok: false, step: 'adresse' });
    expect(d.completed).toEqual(['identite', 'contact']);
  });

  it('checks the birth date against today, not the day the step was typed', () => {
    const d = draft({ ...values, identite: { ...values.identite, dateNaissanceAnnee: '2027' } });
    expect(accountFromDraft(d, '2026-12-02')).toEqual({ ok: false, step: 'identite' });
  });
});

describe('the wizard’s screens', () => {
  it('are numbered from BIENVENUE', () => {
    expect(screenTitle(2)).toBe('Adresse – Étape 3 sur 5 – Créer mon espace');
  });

  it('go forward unless PRÉCÉDENT or a new security check is asked', () => {
    expect([
      actionOf({ action: 'precedent' }),
      actionOf({ action: 'changer-controle' }),
      actionOf({ action: 'autre' }),
      actionOf({}),
    ]).toEqual(['precedent', 'changer-controle', 'suivant', 'suivant']);
  });
});
