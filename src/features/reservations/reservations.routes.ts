import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { route, urls } from '../../routes.js';
import { parentGuards } from '../parent-accounts/parent-guards.js';
import { reservationRecapController } from './reservation-recap.controller.js';
import { reservationsController } from './reservations.controller.js';

/**
 * The parent's side of reservations (issue 6): MON AGENDA, the choice of enrolment, the
 * grid, the periodicity, the recap and VALIDER. Every page is a validated family's only.
 */
export function reservationsRouter(deps: AppDeps): Router {
  const { parentOnly, familyOnly } = parentGuards(deps.pool);
  const pages = reservationsController(deps);
  const recap = reservationRecapController(deps);
  const router = Router();
  const child = ':childId';
  const enrolment = ':enrolmentId';

  router.get(route(urls.childAgenda, child), parentOnly, familyOnly, pages.showAgenda);
  router.get(route(urls.childReservations, child), parentOnly, familyOnly, pages.chooseEnrolment);

  router.get(route(urls.reservationGrid, child, enrolment), parentOnly, familyOnly, pages.showGrid);
  router.post(route(urls.reservationGrid, child, enrolment), parentOnly, familyOnly, pages.changeGrid);

  router.get(route(urls.reservationPeriodicity, child, enrolment), parentOnly, familyOnly, recap.showPeriodicity);
  router.post(route(urls.reservationPeriodicity, child, enrolment), parentOnly, familyOnly, recap.previewPeriodicity);
  router.post(route(urls.reservationPeriodicityConfirm, child, enrolment), parentOnly, familyOnly, recap.confirmPeriodicity);

  router.get(route(urls.reservationRecap, child, enrolment), parentOnly, familyOnly, recap.showRecap);
  router.post(route(urls.reservationValidate, child, enrolment), parentOnly, familyOnly, recap.validate);
  router.post(route(urls.reservationDiscard, child, enrolment), parentOnly, familyOnly, pages.discard);

  router.get(route(urls.reservationSubmission, ':submissionId'), parentOnly, familyOnly, pages.showSubmission);

  return router;
}
