import type { SignupStep } from '../../routes.js';
import type { CaptchaOutcome } from './signup.service.js';
import { ADRESSE_DEFAULTS, CONTACT_DEFAULTS } from './signup.schemas.js';
import { UPLOAD_ROUTES } from '../../middleware/upload-routes.js';
import type { UploadOptions } from '../../middleware/upload.js';

/** What the wizard's pages say and offer, whatever the request. Pure. */

/** The five screens of the stepper, with the seed's icons. BIENVENUE counts as the first. */
export const WIZARD_SCREENS = [
  { key: 'bienvenue', label: 'Bienvenue', icon: 'home' },
  { key: 'identite', label: 'Identité', icon: 'person' },
  { key: 'adresse', label: 'Adresse', icon: 'envelope' },
  { key: 'contact', label: 'Moyens de contact', icon: 'phone' },
  { key: 'authentification', label: 'Authentification', icon: 'lock' },
] as const;

/** "Adresse – Étape 3 sur 5 – Créer mon espace" */
export function screenTitle(index: number): string {
  return `${WIZARD_SCREENS[index]!.label} – Étape ${index + 1} sur ${WIZARD_SCREENS.length} – Créer mon espace`;
}

/** What a step shows before anything is typed. */
export const STEP_DEFAULTS: Record<SignupStep, Record<string, string>> = {
  identite: {},
  adresse: ADRESSE_DEFAULTS,
  contact: CONTACT_DEFAULTS,
  authentification: {},
};

export const CAPTCHA_MESSAGES: Record<Exclude<CaptchaOutcome, 'passed'>, string> = {
  failed: 'La réponse au contrôle de sécurité ne correspond pas : recopiez le nouveau texte ou répondez à la nouvelle question',
  expired: 'Le contrôle de sécurité a expiré : recopiez le nouveau texte ou répondez à la nouvelle question',
};

export const PHOTO_UPLOAD_OPTIONS: UploadOptions = {
  ...UPLOAD_ROUTES.signupIdentite,
  types: ['image/png', 'image/jpeg'],
  messages: { tooLarge: 'La photo doit faire 1 Mo au maximum', wrongType: 'La photo doit être une image PNG ou JPEG' },
};

export type Action = 'suivant' | 'precedent' | 'changer-controle';

/** The button pressed: SUIVANT unless the form says PRÉCÉDENT or "Changer le texte de contrôle". */
export function actionOf(body: Record<string, string>): Action {
  return body.action === 'precedent' || body.action === 'changer-controle' ? body.action : 'suivant';
}
