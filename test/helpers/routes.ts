import type { Express } from 'express';

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

export interface AppRoute {
  method: string;
  /** The full pattern, mount paths included, e.g. '/:town/mon-espace/pieces-justificatives/:documentId/supprimer'. */
  pattern: string;
}

/**
 * Every route the app declares, read from Express's own router (mount paths included), so
 * a test over "every route" covers the routes added after it was written.
 */
export function appRoutes(app: Express): AppRoute[] {
  const found: AppRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? (layer.route.path as unknown[]) : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new Error(`a route path that is not a string under ${prefix}`);
          for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), pattern: `${prefix}${path}` });
        }
      } else if (layer.handle.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found;
}

/** A concrete URL for a pattern: the town's slug for `:town`, a well-formed id for every other parameter. */
export function concretePath(pattern: string, town: string, id = '00000000-0000-4000-8000-000000000000'): string {
  return pattern
    .replace(/\{[^}]*\}/g, '')
    .replace(/:town\b/g, town)
    .replace(/:\w+/g, id)
    .replace(/\*\w+/g, 'x');
}
