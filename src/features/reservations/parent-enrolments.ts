import type { Request } from 'express';
import type pg from 'pg';
import { requireTown } from '../../middleware/town.js';
import { idParam } from '../../lib/params.js';
import { BadGridError } from './reservations.schemas.js';
import * as service from './reservations.service.js';

/**
 * The parent and the enrolment a reservation page is about, read through the session's
 * family: another family's or another town's ids give the same 404 as an unknown one.
 */

export function parentOf(req: Request): service.Parent {
  const a = req.account!;
  return {
    id: a.id,
    familyId: a.familyId!,
    email: a.email,
    civility: a.civility,
    lastName: a.lastName,
    firstNames: a.firstNames,
    validationStatus: a.validationStatus,
    disabledAt: a.disabledAt,
  };
}

export function parentEnrolments(pool: pg.Pool) {
  /** The enrolment of the path's :childId and :enrolmentId. */
  function loadEnrolment(req: Request): Promise<service.EnrolmentContext> {
    return service.enrolmentContext(pool, requireTown(req), parentOf(req), idParam(req, 'childId'), idParam(req, 'enrolmentId'));
  }

  /** The same, with the family's days in its activity over `range` (when there is one), in the same round trip. */
  function loadEnrolmentWithDays(req: Request, range: { from: string; to: string } | undefined) {
    return service.enrolmentContextWithDays(
      pool,
      requireTown(req),
      parentOf(req),
      idParam(req, 'childId'),
      idParam(req, 'enrolmentId'),
      range,
    );
  }

  return { loadEnrolment, loadEnrolmentWithDays };
}

/** Siblings' enrolments in the same activity, as the form lists them; any other id is a tampered form. */
export function siblingContexts(ec: service.EnrolmentContext, ids: string[]): service.EnrolmentContext[] {
  if (ids.length === 0) return [];
  const siblings = service.siblingEnrolments(ec);
  return ids.map((id) => {
    const s = siblings.find((e) => e.id === id);
    if (!s) throw new BadGridError();
    return service.siblingContext(ec, s);
  });
}
