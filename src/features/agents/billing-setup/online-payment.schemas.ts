import { z } from 'zod';

/**
 * The online payment settings form (issue 15). Each régie's client number is the field
 * `numcli-<régie id>`, one per régie of the town: `numcliFields` reads them.
 */
export const onlinePaymentSchema = z.object({
  prestataire: z.enum(['none', 'builtin', 'payfip'], { error: 'Choisissez comment les familles paient leurs factures en ligne' }),
  mode: z.enum(['T', 'X', 'W'], { error: 'Choisissez le mode de PayFiP : test, activation ou production' }),
});

export const numcliFieldName = (regieId: string) => `numcli-${regieId}`;

/** The typed client number of each régie, spaces removed ("012 345"); empty is null. */
export function numcliFields(values: Record<string, string>, regieIds: string[]): { regieId: string; numcli: string | null }[] {
  return regieIds.map((regieId) => {
    const typed = (values[numcliFieldName(regieId)] ?? '').replace(/\s+/g, '');
    return { regieId, numcli: typed === '' ? null : typed.slice(0, 40) };
  });
}
