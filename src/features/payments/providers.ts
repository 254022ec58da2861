import type { ServiceContext } from '../../deps.js';
import { BuiltinProvider } from './builtin-provider.js';
import type { PaymentProvider } from './provider.js';

/**
 * The providers this build can use, by the name a town's settings and a payment carry. A
 * provider joins with one line here. The built-in bank is a demonstration: it takes no real
 * money, so it is refused in production whatever a town's settings say.
 */
const FACTORIES: Partial<Record<'builtin' | 'payfip', (ctx: ServiceContext) => PaymentProvider>> = {
  builtin: (ctx) => new BuiltinProvider(ctx),
};

/** The provider called `name`, or undefined when this build has none by that name (or refuses it here). */
export function providerFor(name: string, ctx: ServiceContext): PaymentProvider | undefined {
  if (name !== 'builtin' && name !== 'payfip') return undefined;
  if (name === 'builtin' && ctx.config.env === 'production') return undefined;
  return FACTORIES[name]?.(ctx);
}
