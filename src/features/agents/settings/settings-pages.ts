import { contrastWithWhite, formatRatio, MIN_CONTRAST_WITH_WHITE, normaliseHexColour } from '../../../lib/contrast.js';
import type { TextKind } from '../../../repositories/settings.repository.js';

/** What the settings pages show that is not HTTP: the two legal texts, the kinds of closures, previews. */

export const TEXT_SLUGS = ['cgu', 'mentions-legales'] as const;
export type TextSlug = (typeof TEXT_SLUGS)[number];
export const TEXTS: Record<TextSlug, { kind: TextKind; name: string; the: string; hint: string }> = {
  cgu: {
    kind: 'cgu',
    name: "Conditions générales d'utilisation",
    the: "les conditions générales d'utilisation",
    hint: 'Chaque parent devra accepter la nouvelle version à sa prochaine connexion.',
  },
  'mentions-legales': {
    kind: 'mentions_legales',
    name: 'Mentions légales',
    the: 'les mentions légales',
    hint: 'La nouvelle version remplace l’ancienne sur la page « Mentions légales » du portail.',
  },
};

export const CLOSURE_KINDS = [
  { value: 'closure', label: 'Fermeture des services (ces jours ne comptent pas dans le délai d’activation)' },
  { value: 'school_holiday', label: 'Vacances scolaires (les réservations suivent ces périodes)' },
];

/** What the preview shows for a colour: its contrast with white, in words as well as the swatch. */
export function colourPreview(typed: string | undefined, fallback: string) {
  const colour = (typed && normaliseHexColour(typed)) || fallback;
  const ratio = contrastWithWhite(colour);
  return { colour, ratio: formatRatio(ratio), ok: ratio >= MIN_CONTRAST_WITH_WHITE };
}
