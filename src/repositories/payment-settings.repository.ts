import type { Queryable } from '../db/pool.js';

/**
 * A town's online payment settings (migrations 0019, 0022): which provider takes its online
 * payments, PayFiP's mode, and each régie's PayFiP client number. No secret lives here: the
 * numcli is an identifier, the mode a setting. Every query filters on the town.
 */

export type OnlinePaymentProvider = 'none' | 'builtin' | 'payfip';
export type PayfipModeSetting = 'T' | 'X' | 'W';

export interface OnlinePaymentSettings {
  provider: OnlinePaymentProvider;
  payfipMode: PayfipModeSetting;
}

export interface RegiePayfip {
  id: string;
  name: string;
  code: string;
  payfipNumcli: string | null;
}

/** The town's settings, or the migrations' defaults for a town that has no billing settings row yet. */
export async function getOnlinePaymentSettings(db: Queryable, townId: string): Promise<OnlinePaymentSettings> {
  const { rows } = await db.query<OnlinePaymentSettings>(
    `select coalesce(s.payment_provider, 'builtin') as provider, coalesce(s.payfip_mode, 'T') as "payfipMode"
       from towns t left join billing_settings s on s.town_id = t.id
      where t.id = $1`,
    [townId],
  );
  return rows[0] ?? { provider: 'builtin', payfipMode: 'T' };
}

export async function saveOnlinePaymentSettings(db: Queryable, townId: string, s: OnlinePaymentSettings, now: Date): Promise<void> {
  await db.query(
    `insert into billing_settings (town_id, payment_provider, payfip_mode, updated_at) values ($1, $2, $3, $4)
     on conflict (town_id) do update set payment_provider = excluded.payment_provider, payfip_mode = excluded.payfip_mode,
       updated_at = excluded.updated_at`,
    [townId, s.provider, s.payfipMode, now],
  );
}

export async function listRegiesPayfip(db: Queryable, townId: string): Promise<RegiePayfip[]> {
  const { rows } = await db.query<RegiePayfip>(
    `select id, name, code, payfip_numcli as "payfipNumcli" from regies where town_id = $1 order by name, id`,
    [townId],
  );
  return rows;
}

/** Sets each listed régie's numcli (null clears it); régies of another town are not touched. */
export async function setRegiesPayfipNumcli(
  db: Queryable,
  townId: string,
  numclis: { regieId: string; numcli: string | null }[],
): Promise<void> {
  await db.query(
    `update regies r set payfip_numcli = n.numcli
       from unnest($2::uuid[], $3::text[]) as n (regie_id, numcli)
      where r.town_id = $1 and r.id = n.regie_id`,
    [townId, numclis.map((n) => n.regieId), numclis.map((n) => n.numcli)],
  );
}
