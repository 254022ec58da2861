import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { activitiesController } from './activities.controller.js';
import { attendanceController } from './attendance.controller.js';
import { reservationQueueController } from './reservation-queue.controller.js';

/**
 * Activities in the back-office (views/agents/activities/): the list, an activity's form,
 * its month, enrolments, a day's roster and "Feuille de présence", and the reservation
 * requests that wait for an agent. Agents of this town only.
 */
export function agentsActivitiesRouter(deps: AppDeps): Router {
  const activities = activitiesController(deps);
  const attendance = attendanceController(deps);
  const queue = reservationQueueController(deps);
  const router = Router();

  router.get(route(urls.agentActivities), requireAgent, activities.list);
  // Before ':activityId', which would take 'nouvelle' for an id.
  router.get(route(urls.agentActivityNew), requireAgent, activities.showNew);
  router.post(route(urls.agentActivityNew), requireAgent, activities.create);
  router.get(route(urls.agentActivityEdit, ':activityId'), requireAgent, activities.showEdit);
  router.post(route(urls.agentActivityEdit, ':activityId'), requireAgent, activities.update);
  router.get(route(urls.agentActivity, ':activityId'), requireAgent, activities.show);

  router.get(route(urls.agentActivityDay, ':activityId', ':day'), requireAgent, attendance.showDay);
  router.post(route(urls.agentActivityAttendance, ':activityId', ':day'), requireAgent, attendance.record);

  router.get(route(urls.agentEnrolmentNew, ':activityId'), requireAgent, activities.showEnrol);
  router.post(route(urls.agentEnrolmentNew, ':activityId'), requireAgent, activities.enrol);

  router.get(route(urls.agentReservationQueue), requireAgent, queue.showQueue);
  router.get(route(urls.agentReservationDecision, ':submissionId'), requireAgent, queue.showDecision);
  router.post(route(urls.agentReservationDecision, ':submissionId'), requireAgent, queue.decide);

  return router;
}
