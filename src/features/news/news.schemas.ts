import { z } from 'zod';
import { paragraphs, required } from '../settings/settings.schemas.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const TARGET_FORMAT = new RegExp(`^(activite|ecole):${UUID}$`);

/**
 * Plain text: paragraphs separated by an empty line, never HTML (views escape it). The
 * target is 'activite:<id>' or 'ecole:<id>' ('' for every signed-in family); whether the id
 * is one of the town's is checked against the town's list by the controller. A post without a
 * visibility (the form always sends one) keeps the item public, as every item was before.
 */
export const newsFormSchema = z
  .object({
    titre: required(150, 'Saisissez le titre de l’actualité', 'Le titre doit contenir 150 caractères au maximum'),
    texte: paragraphs(10_000, 'Saisissez le texte de l’actualité', 'Le texte doit contenir 10 000 caractères au maximum'),
    visibilite: z.enum(['publique', 'familles'], { message: 'Choisissez à qui l’actualité est destinée' }).prefault('publique'),
    cible: z
      .string()
      .trim()
      .toLowerCase()
      .prefault('')
      .refine((v) => v === '' || TARGET_FORMAT.test(v), 'Choisissez une activité ou une école de la liste'),
  })
  .refine((f) => f.visibilite === 'familles' || f.cible === '', {
    path: ['cible'],
    message: 'Une actualité publique s’adresse à tous : choisissez « Réservée aux familles connectées » pour la cibler',
  });
export type NewsForm = z.infer<typeof newsFormSchema>;

/** The form's values as the news row stores them. */
export function newsAudience(form: NewsForm): {
  visibility: 'public' | 'families';
  targetActivityId: string | null;
  targetSchoolId: string | null;
} {
  const [kind, id] = form.cible.split(':');
  return {
    visibility: form.visibilite === 'familles' ? 'families' : 'public',
    targetActivityId: kind === 'activite' ? (id ?? null) : null,
    targetSchoolId: kind === 'ecole' ? (id ?? null) : null,
  };
}

/** The row back into the form's values. */
export function newsFormValues(item: {
  title: string;
  body: string;
  visibility: string;
  targetActivityId: string | null;
  targetSchoolId: string | null;
}): Record<string, string> {
  const cible = item.targetActivityId ? `activite:${item.targetActivityId}` : item.targetSchoolId ? `ecole:${item.targetSchoolId}` : '';
  return { titre: item.title, texte: item.body, visibilite: item.visibility === 'families' ? 'familles' : 'publique', cible };
}
