import { z } from 'zod';
import { required } from '../settings/settings.schemas.js';

export const PAGE_TEXT_MAX_LENGTH = 20_000;
export const SLUG_MAX_LENGTH = 80;

/** The page's address in the portal: lower-case words joined by hyphens, as the table's check wants. */
const slug = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Saisissez l’adresse de la page')
  .max(SLUG_MAX_LENGTH, `L’adresse doit contenir ${SLUG_MAX_LENGTH} caractères au maximum`)
  .regex(
    /^[a-z0-9]+(-[a-z0-9]+)*$/,
    'L’adresse ne peut contenir que des lettres sans accent, des chiffres et des tirets, par exemple restauration-scolaire',
  )
  .prefault('');

export const pageFormSchema = z.object({
  titre: required(150, 'Saisissez le titre de la page', 'Le titre doit contenir 150 caractères au maximum'),
  adresse: slug,
  service: z.uuid('Choisissez le service concerné').prefault(''),
  texte: required(PAGE_TEXT_MAX_LENGTH, 'Saisissez le texte de la page', 'Le texte doit contenir 20 000 caractères au maximum'),
});
export type PageForm = z.infer<typeof pageFormSchema>;
