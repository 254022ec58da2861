import { urls } from '../../routes.js';
import type { TownMenuFacts } from '../../repositories/towns.repository.js';

/**
 * The portal's top menu (seed 001): ACCUEIL · NOUVELLE DÉMARCHE · ACTUALITÉS · VOTRE AVIS NOUS
 * INTÉRESSE · EDITION DE DOCUMENTS · ACTIVITÉS · INFOS PRATIQUES. One line per entry, in the
 * seed's order; an entry a town has nothing behind is hidden, never a dead link. A new entry is
 * one line here, plus, if it needs one, a fact in `townMenuFacts` (towns.repository.ts).
 */
type TownRef = string | { slug: string };

export interface MenuEntry {
  label: string;
  href: (town: TownRef) => string;
  /** `path` is the request's path, without the query. */
  isCurrent: (path: string, town: TownRef) => boolean;
  visible: (facts: TownMenuFacts, signedIn: boolean) => boolean;
}

export interface MenuLink {
  label: string;
  href: string;
  current: boolean;
}

/** The entry's page and every page under it. */
const under = (href: (town: TownRef) => string) => (path: string, town: TownRef) => {
  const base = href(town);
  return path === base || path.startsWith(`${base}/`);
};

export const TOWN_MENU: readonly MenuEntry[] = [
  { label: 'Accueil', href: urls.townHome, isCurrent: (path, town) => path === urls.townHome(town), visible: () => true },
  // The family's requests: a visitor would only meet the sign-in form.
  { label: 'Nouvelle démarche', href: urls.procedures, isCurrent: under(urls.procedures), visible: (_f, signedIn) => signedIn },
  {
    label: 'Actualités',
    href: (town) => urls.newsArchive(town),
    isCurrent: under((town) => urls.newsArchive(town)),
    visible: (f) => f.hasNews,
  },
  // Answered once per account, so for signed-in parents, and only while a survey is open.
  {
    label: 'Votre avis nous intéresse',
    href: urls.survey,
    isCurrent: under(urls.survey),
    visible: (f, signedIn) => signedIn && f.hasOpenSurvey,
  },
  {
    label: 'Édition de documents',
    href: urls.documentEditions,
    isCurrent: under(urls.documentEditions),
    visible: (_f, signedIn) => signedIn,
  },
  { label: 'Activités', href: urls.activityOffer, isCurrent: under(urls.activityOffer), visible: (f) => f.hasActivities },
  { label: 'Infos pratiques', href: urls.practicalInfo, isCurrent: under(urls.practicalInfo), visible: (f) => f.hasPracticalInfo },
];

/** The links a page shows, the current one marked (at most one: the first that claims the path). */
export function townMenu(town: TownRef, path: string, facts: TownMenuFacts, signedIn: boolean, entries = TOWN_MENU): MenuLink[] {
  const bare = path.split(/[?#]/)[0] ?? path;
  // '/bayeux' and '/bayeux/' are the same home.
  const normalised = bare === urls.townHome(town).slice(0, -1) ? urls.townHome(town) : bare;
  let marked = false;
  return entries
    .filter((e) => e.visible(facts, signedIn))
    .map((e) => {
      const current = !marked && e.isCurrent(normalised, town);
      if (current) marked = true;
      return { label: e.label, href: e.href(town), current };
    });
}
