import type { AppDeps } from '../../deps.js';
import { findFranceConnectSettings } from '../../repositories/franceconnect.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl } from '../../routes.js';
import { clientConfiguration, endSessionUrl } from './oidc.js';

/**
 * Where sign-out sends the browser: FranceConnect's end-session endpoint when the parent came
 * through it (its own session ends too), else nowhere (undefined).
 */
export async function franceConnectSignOutUrl(
  deps: Pick<AppDeps, 'pool' | 'config'>,
  town: Town,
  idToken: string | undefined,
  afterLogout: string,
): Promise<string | undefined> {
  if (!idToken) return undefined;
  const settings = await findFranceConnectSettings(deps.pool, town.id);
  if (!settings?.enabled) return undefined;
  try {
    const oidc = await clientConfiguration(settings, !deps.config.isProduction);
    return endSessionUrl(oidc, idToken, absoluteUrl(deps.config.publicBaseUrl, afterLogout))?.href;
  } catch {
    // The provider unreachable: the portal's own session still ends.
    return undefined;
  }
}
