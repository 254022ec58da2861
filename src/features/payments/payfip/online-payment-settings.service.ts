import { withTransaction } from '../../../db/pool.js';
import type { ServiceContext } from '../../../deps.js';
import { audit } from '../../../lib/audit.js';
import * as settings from '../../../repositories/payment-settings.repository.js';
import type { OnlinePaymentProvider, PayfipModeSetting, RegiePayfip } from '../../../repositories/payment-settings.repository.js';
import type { Actor } from '../../billing/invoicing.service.js';
import { checkPayfipClient, NUMCLI_RE } from './payfip-provider.js';

/**
 * A town's online payment settings, chosen by its admins: no online payment, the built-in
 * bank (development and tests only: refused in production, where it would take no money),
 * or PayFiP with its mode and each régie's client number. Nothing secret is stored: PayFiP's
 * régie web service identifies a régie by its numcli alone.
 */

export interface OnlinePaymentChoice {
  provider: OnlinePaymentProvider;
  payfipMode: PayfipModeSetting;
  /** Every régie of the town with the numcli typed for it (null: none). */
  numclis: { regieId: string; numcli: string | null }[];
}

/** `key`: 'provider', or the id of the régie the message is about. */
export type SettingsError = { key: string; message: string };

export const BUILTIN_REFUSED =
  'La banque de démonstration n’encaisse rien : elle ne sert qu’aux essais. En production, choisissez PayFiP ou aucun paiement en ligne.';

/** The providers an admin may choose here: the built-in bank is offered only outside production. */
export function offeredProviders(isProduction: boolean): OnlinePaymentProvider[] {
  return isProduction ? ['none', 'payfip'] : ['none', 'builtin', 'payfip'];
}

export async function updateOnlinePaymentSettings(
  ctx: ServiceContext,
  townId: string,
  actor: Actor,
  choice: OnlinePaymentChoice,
): Promise<{ ok: true } | { ok: false; errors: SettingsError[] }> {
  const errors: SettingsError[] = [];
  if (!offeredProviders(ctx.config.isProduction).includes(choice.provider)) errors.push({ key: 'provider', message: BUILTIN_REFUSED });
  const regies = await settings.listRegiesPayfip(ctx.pool, townId);
  const typed = new Map(choice.numclis.map((n) => [n.regieId, n.numcli]));
  const owners = new Map<string, RegiePayfip>();
  for (const regie of regies) {
    const numcli = typed.get(regie.id) ?? null;
    if (numcli !== null && !NUMCLI_RE.test(numcli))
      errors.push({ key: regie.id, message: 'Le numéro client PayFiP a 6 chiffres, par exemple 012345' });
    else if (numcli === null && choice.provider === 'payfip')
      errors.push({
        key: regie.id,
        message: `Saisissez le numéro client PayFiP de la régie ${regie.name} : PayFiP ne peut pas encaisser ses factures sans lui`,
      });
    else if (numcli !== null && owners.has(numcli))
      errors.push({
        key: regie.id,
        message: `Ce numéro client est déjà celui de la régie ${owners.get(numcli)!.name} : chaque régie a le sien`,
      });
    if (numcli !== null && !owners.has(numcli)) owners.set(numcli, regie);
  }
  if (errors.length > 0) return { ok: false, errors };
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    await settings.saveOnlinePaymentSettings(db, townId, { provider: choice.provider, payfipMode: choice.payfipMode }, now);
    await settings.setRegiesPayfipNumcli(
      db,
      townId,
      regies.map((r) => ({ regieId: r.id, numcli: typed.get(r.id) ?? null })),
    );
    await audit(db, {
      townId,
      ...actor,
      action: 'payment_settings.update',
      details: {
        provider: choice.provider,
        payfipMode: choice.payfipMode,
        numclis: Object.fromEntries(regies.map((r) => [r.code, typed.get(r.id) ?? null])),
      },
      at: now,
    });
  });
  return { ok: true };
}

export type NumcliCheck =
  { ok: true; regie: RegiePayfip; labels: string[] } | { ok: false; regie: RegiePayfip; reason: 'missing' | 'refused' | 'unreachable' };

/**
 * Asks PayFiP, at the configured endpoint, whether it knows the régie's saved client number.
 * Undefined for a régie that is not the town's.
 */
export async function checkRegieNumcli(ctx: ServiceContext, townId: string, regieId: string): Promise<NumcliCheck | undefined> {
  const regie = (await settings.listRegiesPayfip(ctx.pool, townId)).find((r) => r.id === regieId);
  if (!regie) return undefined;
  if (!regie.payfipNumcli) return { ok: false, regie, reason: 'missing' };
  const answer = await checkPayfipClient({ wsUrl: ctx.config.payfipWsUrl }, regie.payfipNumcli);
  return answer.ok ? { ok: true, regie, labels: answer.labels } : { ok: false, regie, reason: answer.reason };
}
