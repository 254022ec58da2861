import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** A router behind its gate; `stack` is the router's own, so route walkers see through the gate. */
export type PrefixGate = RequestHandler & { readonly stack: Router['stack']; readonly prefixes: readonly string[] };

/**
 * Hands the request to `router` only when its path is under one of `prefixes` (the prefix
 * itself, or the prefix then '/'); any other request goes straight on. Routers mounted side
 * by side under '/:town' are otherwise each walked, route by route, by every request of the
 * town: with the gates, the dashboard never looks at the back-office's ninety routes.
 *
 * The path is not stripped: the routes keep their absolute patterns built with
 * `route(urls.x, …)`, the same function the links use. Express matches routes without regard
 * to case and with an optional trailing slash, so the gate does too: a request the router
 * would have answered before still reaches it.
 */
export function underPrefix(prefixes: string | readonly string[], router: Router): PrefixGate {
  const list = [prefixes].flat().map((p) => {
    if (!/^\/[a-z0-9/-]*[a-z0-9-]$/.test(p)) throw new Error(`a prefix is '/' then lower-case segments, without a trailing '/': ${p}`);
    return p;
  });
  const gate = (req: Request, res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase();
    for (const prefix of list) {
      if (path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47) /* '/' */) {
        return router(req, res, next);
      }
    }
    next();
  };
  return Object.assign(gate, { stack: router.stack, prefixes: list });
}
