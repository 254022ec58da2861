import type { ServiceContext } from '../../deps.js';
import { BuiltinProvider } from './builtin-provider.js';
import { payfipProviderFor, type PayfipMode } from './payfip/payfip-provider.js';
import type { PaymentProvider } from './provider.js';

/**
 * The providers this build can use, by the name a town's settings and a payment carry. A
 * provider joins with one line here. The built-in bank is a demonstration: it takes no real
 * money, so it is refused in production whatever a town's settings say.
 */
const FACTORIES: Record<'builtin' | 'payfip', (ctx: ServiceContext, payfipMode: PayfipMode) => PaymentProvider> = {
  builtin: (ctx) => new BuiltinProvider(ctx),
  payfip: (ctx, payfipMode) => payfipProviderFor(ctx.config, payfipMode, ctx.clock),
};

/**
 * The provider called `name`, or undefined when this build has none by that name (or refuses it
 * here). PayFiP's mode (test, activation, production: the town's `payfip_mode`) only matters when
 * a payment starts; reading a notification or a payment's status is the same in every mode.
 */
export function providerFor(name: string, ctx: ServiceContext, payfipMode: PayfipMode = 'T'): PaymentProvider | undefined {
  if (name !== 'builtin' && name !== 'payfip') return undefined;
  if (name === 'builtin' && ctx.config.env === 'production') return undefined;
  return FACTORIES[name](ctx, payfipMode);
}
