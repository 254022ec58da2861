import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import { listTariffs } from '../../repositories/billing-tariffs.repository.js';
import { listOffer } from '../../repositories/enrolment.repository.js';
import { groupByService, offerCard } from './offer-view.js';

/**
 * The town's offer of activities (ACTIVITÉS, issue 16): public, read-only, two statements
 * (the activities with their counts, then their tariffs). Nothing here touches the session,
 * so a visitor or a crawler leaves no session row (ADR 0016).
 */
export function activityOfferController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function cards(townId: string, activityId?: string) {
    const now = clock.now();
    const today = parisDay(now);
    const rows = await listOffer(pool, townId, today, activityId);
    const tariffs =
      rows.length === 0
        ? new Map()
        : await listTariffs(
            pool,
            townId,
            rows.map((r) => r.id),
          );
    return rows.map((a) => ({ service: a.service, card: offerCard(a, tariffs.get(a.id) ?? [], now, today) }));
  }

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    res.render('activity-offer/index', { title: 'Activités', groups: groupByService(await cards(town.id)) });
  }

  async function detail(req: Request, res: Response) {
    const town = requireTown(req);
    const [found] = await cards(town.id, idParam(req, 'activityId'));
    if (!found) throw new NotFoundError('activity not offered in this town');
    res.render('activity-offer/detail', { title: found.card.name, service: found.service, activity: found.card });
  }

  return { list, detail };
}
