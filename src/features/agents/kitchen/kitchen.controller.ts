import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { addDays, dayLabel, parisDay, parseDay } from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { requireTown } from '../../../middleware/town.js';
import { mealSites } from '../../../repositories/kitchen.repository.js';
import { mealsOfDay } from '../../kitchen/kitchen.service.js';
import { countSite, countsCsv } from './meal-counts.js';
import { countsPdf } from './meal-counts-pdf.js';

/**
 * "Cuisine": the meals booked for a day, per site, with the diets of the children's files.
 * Read-only, so the controller reads the repository itself (docs/conventions.md).
 */
export function kitchenController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function load(req: Request) {
    const town = requireTown(req);
    // A day the query does not give, or gives wrong, falls back to tomorrow: the kitchen plans a day ahead.
    const day = parseDay(req.query.jour) ?? addDays(parisDay(clock.now()), 1);
    const [meals, sites] = await Promise.all([mealsOfDay({ pool, clock }, town, day), mealSites(pool, town.id)]);
    const site = typeof req.query.site === 'string' && sites.includes(req.query.site) ? req.query.site : '';
    const counts = meals
      .filter((m) => site === '' || m.site === site)
      .map((m) => ({ ...countSite(m.site, m.meals), frozenAt: m.frozenAt }))
      .sort((a, b) => a.site.localeCompare(b.site, 'fr'));
    return { day, sites, site, counts };
  }

  async function show(req: Request, res: Response) {
    const { day, sites, site, counts } = await load(req);
    res.render('agents/kitchen/counts', {
      title: `Cuisine – repas du ${dayLabel(day)}`,
      day,
      dayName: dayLabel(day),
      sites,
      site,
      counts,
      prevDay: addDays(day, -1),
      nextDay: addDays(day, 1),
    });
  }

  async function exportCsv(req: Request, res: Response) {
    const { day, counts } = await load(req);
    sendAttachment(res, {
      fileName: `repas-${day}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: Buffer.from(countsCsv(day, counts), 'utf8'),
    });
  }

  async function exportPdf(req: Request, res: Response) {
    const town = requireTown(req);
    const { day, counts } = await load(req);
    const content = await countsPdf(town.name, day, counts, clock.now());
    sendAttachment(res, { fileName: `repas-${day}.pdf`, contentType: 'application/pdf', content });
  }

  return { show, exportCsv, exportPdf };
}
