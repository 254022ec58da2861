import { z } from 'zod';
import type { ReminderPreferences } from '../../repositories/reminders.repository.js';

const KIND = z.enum(['bookings', 'dossiers', 'invoices']);

/**
 * Mon compte › Rappels par courriel: the ticked boxes (`rappels`, one value per ticked kind).
 * An unticked box sends nothing, so "off" is a kind left out; a value we do not know (a forged
 * form) is ignored rather than refused: the form has no field a user could type it in.
 */
export const preferencesSchema = z
  .object({ rappels: z.union([z.string(), z.array(z.unknown())]).optional() })
  .transform(({ rappels }): ReminderPreferences => {
    const ticked = new Set(
      (Array.isArray(rappels) ? rappels : [rappels]).map((v) => KIND.safeParse(v)).flatMap((r) => (r.success ? [r.data] : [])),
    );
    return { bookings: ticked.has('bookings'), dossiers: ticked.has('dossiers'), invoices: ticked.has('invoices') };
  });

export function readPreferences(body: unknown): ReminderPreferences {
  const parsed = preferencesSchema.safeParse(body ?? {});
  return parsed.success ? parsed.data : { bookings: false, dossiers: false, invoices: false };
}
