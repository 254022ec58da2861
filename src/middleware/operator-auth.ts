import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import type { Clock } from '../lib/clock.js';
import { findOperatorById, type Operator } from '../repositories/operators.repository.js';
import { urls } from '../routes.js';
import { AGENT_ABSOLUTE_MS, AGENT_IDLE_MS } from './agent-auth.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in operator of the host (ADR 0024): never with a town, an account or an agent. */
    operatorId: string;
    operatorSeenAt: number;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    operator?: Operator;
  }
}

/**
 * Loads the signed-in operator for the /exploitation pages. A session naming a town (a
 * parent's, an agent's) never carries operatorId: signing in as either regenerates the
 * session. Operators get the agents' limits: 15 minutes idle, 8 hours in all.
 */
export function loadOperator(pool: pg.Pool, clock: Clock) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = req.session;
    if (!session?.operatorId) return next();
    const now = clock.now().getTime();
    const operator =
      session.createdAt && now - session.createdAt <= AGENT_ABSOLUTE_MS && now - (session.operatorSeenAt ?? 0) <= AGENT_IDLE_MS
        ? await findOperatorById(pool, session.operatorId)
        : undefined;
    if (!operator || operator.disabledAt) {
      await new Promise<void>((resolve) => req.session.regenerate(() => resolve()));
      return next();
    }
    if (now - session.operatorSeenAt! > 60_000) session.operatorSeenAt = now;
    req.operator = operator;
    res.locals.operator = operator;
    next();
  };
}

/** Operators' pages: anyone else (a visitor, a parent, a town's agent) is sent to the operators' sign-in. */
export function requireOperator(req: Request, res: Response, next: NextFunction): void {
  if (!req.operator) return res.redirect(303, urls.operatorSignIn());
  next();
}
