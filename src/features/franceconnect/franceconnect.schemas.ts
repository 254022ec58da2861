import { z } from 'zod';
import type { EidasLevel } from '../../repositories/franceconnect.repository.js';

const EIDAS_LEVELS = ['eidas1', 'eidas2', 'eidas3'] as const;

const text = (max: number) => z.string().trim().max(max, `Ce champ doit contenir ${max} caractères au maximum`);

/** Linking by password: the same fields as the sign-in form. */
export const linkSchema = z.object({
  identifiant: text(254).min(1, 'Saisissez votre identifiant'),
  motDePasse: z.string().max(1024, 'Le mot de passe est trop long').min(1, 'Saisissez votre mot de passe'),
});

/** The admin's FranceConnect settings: a URL an admin types must be https (http only for a local provider). */
export const settingsSchema = z
  .object({
    // Every field a string here, the choices checked below: zod runs the refinements only
    // when the object's own checks pass, and the form must say every problem at once.
    active: z.string(),
    identifiantClient: text(200),
    secretClient: z.string().max(500, 'Ce champ doit contenir 500 caractères au maximum'),
    urlDecouverte: text(500),
    niveauEidas: z.string(),
  })
  .superRefine((form, issues) => {
    if (form.active !== 'oui' && form.active !== 'non') {
      issues.addIssue({ code: 'custom', path: ['active'], message: 'Indiquez si FranceConnect est proposé aux parents' });
    }
    if (!(EIDAS_LEVELS as readonly string[]).includes(form.niveauEidas)) {
      issues.addIssue({ code: 'custom', path: ['niveauEidas'], message: 'Choisissez le niveau de garantie demandé' });
    }
    if (form.urlDecouverte && !isProviderUrl(form.urlDecouverte)) {
      issues.addIssue({ code: 'custom', path: ['urlDecouverte'], message: 'Saisissez une adresse commençant par https://' });
    }
    if (form.active === 'oui') {
      if (!form.identifiantClient)
        issues.addIssue({
          code: 'custom',
          path: ['identifiantClient'],
          message: "Saisissez l'identifiant client fourni par FranceConnect",
        });
      if (!form.urlDecouverte)
        issues.addIssue({ code: 'custom', path: ['urlDecouverte'], message: "Saisissez l'adresse de découverte du fournisseur" });
    }
  })
  .transform((form) => ({ ...form, niveauEidas: form.niveauEidas as EidasLevel }));

/** The admin's ProConnect settings. */
export const proConnectSchema = z
  .object({
    active: z.string(),
    identifiantClient: text(200),
    secretClient: z.string().max(500, 'Ce champ doit contenir 500 caractères au maximum'),
    urlDecouverte: text(500),
    motDePasse: z.string(),
  })
  .superRefine((form, issues) => {
    if (form.active !== 'oui' && form.active !== 'non') {
      issues.addIssue({ code: 'custom', path: ['active'], message: 'Indiquez si ProConnect est proposé aux agents' });
    }
    if (form.motDePasse !== 'oui' && form.motDePasse !== 'non') {
      issues.addIssue({
        code: 'custom',
        path: ['motDePasse'],
        message: 'Indiquez si les agents peuvent se connecter avec leur mot de passe',
      });
    }
    if (form.urlDecouverte && !isProviderUrl(form.urlDecouverte)) {
      issues.addIssue({ code: 'custom', path: ['urlDecouverte'], message: 'Saisissez une adresse commençant par https://' });
    }
    if (form.active === 'oui') {
      if (!form.identifiantClient)
        issues.addIssue({ code: 'custom', path: ['identifiantClient'], message: "Saisissez l'identifiant client fourni par ProConnect" });
      if (!form.urlDecouverte)
        issues.addIssue({ code: 'custom', path: ['urlDecouverte'], message: "Saisissez l'adresse de découverte du fournisseur" });
    }
  });

function isProviderUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1'));
  } catch {
    return false;
  }
}
