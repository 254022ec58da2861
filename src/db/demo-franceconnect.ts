import type pg from 'pg';
import { DEV_CLIENT_SECRET, devIssuer } from '../features/dev/identity-provider.js';

/**
 * FranceConnect in the demo towns (issue 18), against the built-in test provider, so the
 * button works after `npm start`: each town is the provider's client named by its slug. A
 * town whose settings point elsewhere (an admin changed them) is left alone; one still on the
 * test provider follows PUBLIC_BASE_URL, which may have changed since the last start.
 */
export async function loadDemoFranceConnect(pool: pg.Pool, publicBaseUrl: string, slugs: string[]): Promise<void> {
  const discovery = `${devIssuer(publicBaseUrl)}/.well-known/openid-configuration`;
  await pool.query(
    `insert into franceconnect_settings (town_id, enabled, client_id, client_secret, discovery_url, eidas_level)
     select id, true, slug, $2, $3, 'eidas1' from towns where slug = any($1)
     on conflict (town_id) do update set discovery_url = excluded.discovery_url, updated_at = now()
       where franceconnect_settings.client_secret = $2 and franceconnect_settings.discovery_url like '%/fournisseur-identite-de-test/%'
         and franceconnect_settings.discovery_url <> excluded.discovery_url`,
    [slugs, DEV_CLIENT_SECRET, discovery],
  );
}
