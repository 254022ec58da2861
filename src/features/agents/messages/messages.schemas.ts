import { z } from 'zod';
import { frenchDateOutOfRange, parseFrenchDate } from '../../../lib/calendar/index.js';
import { paragraphs, required } from '../../settings/settings.schemas.js';

/** The target kinds of the form, in its words, and the prefix of their values in the target list. */
export const TARGET_KINDS = [
  { value: 'activite', label: 'Une activité' },
  { value: 'site', label: 'Un site' },
  { value: 'ecole', label: 'Une école' },
  { value: 'classe', label: 'Une classe' },
] as const;

function day(value: string, what: string, ctx: z.RefinementCtx, path: string): string | undefined {
  if (!value) {
    ctx.addIssue({ code: 'custom', path: [path], message: `Saisissez ${what}` });
    return undefined;
  }
  const parsed = parseFrenchDate(value);
  if (!parsed) {
    ctx.addIssue({
      code: 'custom',
      path: [path],
      message: frenchDateOutOfRange(value)
        ? `Saisissez ${what} entre 1900 et 2200`
        : `Saisissez ${what} au format JJ/MM/AAAA, par exemple 12/03/2026`,
    });
  }
  return parsed;
}

/**
 * The group message's form. The target itself ('activite:<id>', 'site:<name>', 'ecole:<id>',
 * 'classe:<schoolId>:<class>') is checked against the town's own list by the controller; here
 * only that it is of the chosen kind. "Un jour" or "Une période": only that one's boxes count.
 */
export const groupMessageSchema = z
  .object({
    genre: z.enum(['activite', 'site', 'ecole', 'classe'], {
      message: 'Choisissez à qui écrire : une activité, un site, une école ou une classe',
    }),
    cible: z.string().trim().max(400).prefault(''),
    quand: z.enum(['jour', 'periode'], { message: 'Choisissez un jour ou une période' }),
    jour: z.string().trim().max(20).prefault(''),
    du: z.string().trim().max(20).prefault(''),
    au: z.string().trim().max(20).prefault(''),
    objet: required(150, 'Saisissez l’objet du message', 'L’objet doit contenir 150 caractères au maximum'),
    texte: paragraphs(5000, 'Saisissez le texte du message', 'Le texte doit contenir 5 000 caractères au maximum'),
    action: z.enum(['apercu', 'envoyer']).catch('apercu'),
    // The number of families the agent saw in the preview: sending to another number shows it again.
    vu: z.string().trim().max(10).prefault(''),
  })
  .transform((f, ctx) => {
    if (!f.cible || !f.cible.startsWith(`${f.genre}:`)) {
      ctx.addIssue({ code: 'custom', path: ['cible'], message: 'Choisissez dans la liste l’activité, le site, l’école ou la classe' });
    }
    let first: string | undefined;
    let last: string | undefined;
    if (f.quand === 'jour') {
      first = last = day(f.jour, 'le jour concerné', ctx, 'jour');
    } else {
      first = day(f.du, 'le premier jour de la période', ctx, 'du');
      last = day(f.au, 'le dernier jour de la période', ctx, 'au');
      if (first && last && last < first) {
        ctx.addIssue({ code: 'custom', path: ['au'], message: 'Le dernier jour doit être le même que le premier ou après' });
      }
    }
    return { ...f, first: first ?? '', last: last ?? '', seen: /^\d+$/.test(f.vu) ? Number(f.vu) : null };
  });
export type GroupMessageForm = z.infer<typeof groupMessageSchema>;
