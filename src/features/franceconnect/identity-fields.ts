import type { IdentityClaims } from './oidc.js';

/** FranceConnect's code for France (INSEE's country code); other countries' codes are not translated. */
const FRANCE = '99100';

/**
 * IDENTITÉ's fields FranceConnect fills, as the wizard's own values (issue 18). Only what the
 * claims say for sure is locked: FranceConnect's `family_name` is the birth name (the usual
 * name may differ, so it is only suggested), the birthplace is an INSEE code the form does
 * not take, so the commune and department stay the parent's to type.
 */
export function lockedIdentityFields(claims: IdentityClaims): Record<string, string> {
  const locked: Record<string, string> = {};
  if (claims.gender === 'female') locked.civilite = 'Mme';
  if (claims.gender === 'male') locked.civilite = 'M';
  if (claims.familyName) locked.nomNaissance = claims.familyName;
  if (claims.givenName) locked.prenoms = claims.givenName;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(claims.birthdate);
  if (date) {
    locked.dateNaissanceJour = String(Number(date[3]));
    locked.dateNaissanceMois = String(Number(date[2]));
    locked.dateNaissanceAnnee = date[1]!;
  }
  if (claims.birthcountry === FRANCE) locked.paysNaissance = 'France';
  return locked;
}

/** The values IDENTITÉ starts with: the locked ones, and the usual name suggested. */
export function initialIdentityValues(claims: IdentityClaims): Record<string, string> {
  return { nomUsuel: claims.familyName, ...lockedIdentityFields(claims) };
}
