import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { NotFoundError } from '../lib/errors.js';
import { findAgentById, type Agent } from '../repositories/agents.repository.js';
import { urls } from '../routes.js';
import { requireTown } from './town.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in agent (never together with a parent's accountId). */
    agentId: string;
    /** Last request of the agent, for the 15-minute idle limit (written at most once a minute). */
    agentSeenAt: number;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    agent?: Agent;
  }
}

/** Agents: 15 minutes idle, 8 hours in all. */
export const AGENT_IDLE_MS = 15 * 60 * 1000;
export const AGENT_ABSOLUTE_MS = 8 * 60 * 60 * 1000;

/**
 * Ends the session and gives the request an empty one in its place: the page being served
 * (the sign-in form, a flash) still reads req.session, which destroy() alone leaves undefined.
 */
function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.regenerate(() => resolve()));
}

/**
 * Loads the signed-in agent of this town. A session of another town, idle or too old, or
 * of a disabled agent is ended. The idle limit is checked here because the session cookie
 * lives 30 minutes (the parents' limit).
 */
export function loadAgent(pool: pg.Pool, clock: Clock) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = req.session;
    if (!session?.agentId) return next();
    const town = requireTown(req);
    if (session.townId !== town.id) return next();
    const now = clock.now().getTime();
    if (!session.createdAt || now - session.createdAt > AGENT_ABSOLUTE_MS || now - (session.agentSeenAt ?? 0) > AGENT_IDLE_MS) {
      await destroy(req);
      return next();
    }
    // Read with the session in one statement by the store (session.ts), as the parent's account is.
    const loaded = req.sessionPrincipal;
    const agent = loaded ? loaded.agent : await findAgentById(pool, town.id, session.agentId);
    if (!agent || agent.disabledAt) {
      await destroy(req);
      return next();
    }
    // Writing the session costs a query: a minute's precision is enough for 15 minutes.
    if (now - session.agentSeenAt! > 60_000) session.agentSeenAt = now;
    req.agent = agent;
    res.locals.agent = agent;
    if (agent.mustChangePassword && !reachableBeforeNewPassword(req)) return res.redirect(303, urls.agentNewPassword(town));
    next();
  };
}

/**
 * An agent whose password an admin chose reaches nothing of the back-office but the page to
 * choose their own, and signing out. Checked here, for every path under /agents, rather than
 * in each route's guard: a route added later is covered. Paths match case-insensitively, as
 * Express's routes do.
 */
function reachableBeforeNewPassword(req: Request): boolean {
  const path = req.path.toLowerCase().replace(/\/+$/, '');
  if (path !== '/agents' && !path.startsWith('/agents/')) return true;
  const town = requireTown(req);
  const inTown = (url: string) => url.slice(urls.townHome(town).replace(/\/+$/, '').length);
  return path === inTown(urls.agentNewPassword(town)) || path === inTown(urls.agentSignOut(town));
}

/** Back-office pages: anyone but a signed-in agent of this town gets the same 404 as an unknown page. */
export function requireAgent(req: Request, _res: Response, next: NextFunction): void {
  if (!req.agent) return next(new NotFoundError('agents only'));
  next();
}

/** Pages for the town's admins (agents, settings, audit log). */
export function requireAdmin(req: Request, _res: Response, next: NextFunction): void {
  if (!req.agent || req.agent.role !== 'admin') return next(new NotFoundError('admins only'));
  next();
}
