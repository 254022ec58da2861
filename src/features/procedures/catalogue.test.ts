import { describe, expect, it } from 'vitest';
import { builtInGroups, formGroups } from './catalogue.js';

describe('the catalogue', () => {
  it('links each built-in request, one absence per child', () => {
    const groups = builtInGroups('ville', { open: true, children: [{ id: 'k1', firstNames: 'Lucas' }] });
    const titles = groups.flatMap((g) => g.procedures.map((p) => p.title));
    expect(titles).toContain('Inscrire mon enfant à une activité');
    expect(groups[1]!.procedures.at(-1)).toEqual({
      title: 'Signaler une absence de Lucas',
      text: 'Avec un justificatif, pour que les jours ne soient pas facturés',
      href: '/ville/mon-espace/enfants/k1/absence',
    });
  });

  it('offers only the contact details before the family opens', () => {
    const groups = builtInGroups('ville', { open: false, children: [] });
    expect(groups.flatMap((g) => g.procedures.map((p) => p.href))).toEqual(['/ville/mon-espace/coordonnees']);
  });

  it('groups forms by service, in alphabetical order', () => {
    const groups = formGroups('ville', [
      { formId: 'f1', title: 'Rendez-vous', intro: 'Pour parler\nde tout', serviceName: 'Service Enfance' },
      { formId: 'f2', title: 'Attestation', intro: '', serviceName: 'Pôle Scolaire' },
      { formId: 'f3', title: 'Accueil', intro: '', serviceName: 'Service Enfance' },
    ]);
    expect(groups.map((g) => [g.title, g.procedures.map((p) => p.title)])).toEqual([
      ['Pôle Scolaire', ['Attestation']],
      ['Service Enfance', ['Accueil', 'Rendez-vous']],
    ]);
    expect(groups[1]!.procedures[1]!.text).toBe('Pour parler');
  });
});
