import { z } from 'zod';
import { paragraphs, required } from '../settings/settings.schemas.js';

/** Plain text: paragraphs separated by an empty line, never HTML (views escape it). */
export const newsFormSchema = z.object({
  titre: required(150, 'Saisissez le titre de l’actualité', 'Le titre doit contenir 150 caractères au maximum'),
  texte: paragraphs(10_000, 'Saisissez le texte de l’actualité', 'Le texte doit contenir 10 000 caractères au maximum'),
});
export type NewsForm = z.infer<typeof newsFormSchema>;
