import { describe, expect, it } from 'vitest';
import { TOWN_MENU, townMenu, type MenuEntry } from './town-menu.js';

const ALL = { hasNews: true, hasActivities: true, hasOpenSurvey: true, hasPracticalInfo: true };
const NONE = { hasNews: false, hasActivities: false, hasOpenSurvey: false, hasPracticalInfo: false };

describe('townMenu', () => {
  it('lists the seed’s entries in order, for a signed-in parent of a town that has everything', () => {
    expect(townMenu('bayeux', '/bayeux/', ALL, true)).toEqual([
      { label: 'Accueil', href: '/bayeux/', current: true },
      { label: 'Nouvelle démarche', href: '/bayeux/mon-espace/nouvelle-demarche', current: false },
      { label: 'Actualités', href: '/bayeux/actualites', current: false },
      { label: 'Votre avis nous intéresse', href: '/bayeux/mon-espace/votre-avis', current: false },
      { label: 'Édition de documents', href: '/bayeux/mon-espace/edition-de-documents', current: false },
      { label: 'Activités', href: '/bayeux/activites', current: false },
      { label: 'Infos pratiques', href: '/bayeux/infos-pratiques', current: false },
    ]);
  });

  it('hides what the town has nothing behind, and the signed-in pages from a visitor', () => {
    expect(townMenu('bayeux', '/bayeux/', NONE, false).map((l) => l.label)).toEqual(['Accueil']);
    expect(townMenu('bayeux', '/bayeux/', ALL, false).map((l) => l.label)).toEqual([
      'Accueil',
      'Actualités',
      'Activités',
      'Infos pratiques',
    ]);
    // A signed-in parent sees VOTRE AVIS only while a survey is open.
    expect(townMenu('bayeux', '/bayeux/', { ...ALL, hasOpenSurvey: false }, true).map((l) => l.label)).not.toContain(
      'Votre avis nous intéresse',
    );
  });

  it.each([
    ['/bayeux', 'Accueil'],
    ['/bayeux/?deconnexion=1', 'Accueil'],
    ['/bayeux/actualites?page=2', 'Actualités'],
    ['/bayeux/actualites/6f1c2b1e-4d1a-4c55-9a53-1d7cbb0e2d11', 'Actualités'],
    ['/bayeux/mon-espace/edition-de-documents', 'Édition de documents'],
    ['/bayeux/activites/6f1c2b1e-4d1a-4c55-9a53-1d7cbb0e2d11', 'Activités'],
    ['/bayeux/mon-espace/nouvelle-demarche/formulaires/6f1c2b1e-4d1a-4c55-9a53-1d7cbb0e2d11', 'Nouvelle démarche'],
    ['/bayeux/mon-espace/votre-avis', 'Votre avis nous intéresse'],
    ['/bayeux/infos-pratiques/restauration-scolaire', 'Infos pratiques'],
  ])('marks %s as %s', (path, label) => {
    expect(
      townMenu({ slug: 'bayeux' }, path, ALL, true)
        .filter((l) => l.current)
        .map((l) => l.label),
    ).toEqual([label]);
  });

  it('marks nothing on a page outside the menu, nor a page whose address only starts like an entry’s', () => {
    expect(townMenu('bayeux', '/bayeux/mon-espace', ALL, true).some((l) => l.current)).toBe(false);
    expect(townMenu('bayeux', '/bayeux/actualites-anciennes', ALL, true).some((l) => l.current)).toBe(false);
  });

  it('takes a new entry as one more line, and marks one entry at most', () => {
    const extra: MenuEntry = {
      label: 'Plan de la ville',
      href: (t) => `/${typeof t === 'string' ? t : t.slug}/plan`,
      isCurrent: () => true,
      visible: () => true,
    };
    const links = townMenu('bayeux', '/bayeux/', ALL, false, [...TOWN_MENU, extra]);
    expect(links.at(-1)).toEqual({ label: 'Plan de la ville', href: '/bayeux/plan', current: false });
    expect(links.filter((l) => l.current)).toHaveLength(1);
  });
});
