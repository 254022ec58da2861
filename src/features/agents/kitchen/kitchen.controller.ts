import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { addDays, dayLabel, parisDay, parseDay } from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { requireTown } from '../../../middleware/town.js';
import type { Town } from '../../../repositories/towns.repository.js';
import { mealSites } from '../../../repositories/kitchen.repository.js';
import { mealsOfDay } from '../../kitchen/kitchen.service.js';
import { countSite, countsCsv } from './meal-counts.js';
import { countsPdf } from './meal-counts-pdf.js';

const WEEK_DAYS = 7;

/**
 * "Cuisine": the meals booked for a day, per site, with the diets of the children's files.
 * Read-only, so the controller reads the repository itself (docs/conventions.md).
 */
export function kitchenController(deps: AppDeps) {
  const { pool, clock } = deps;

  /** A day's counts per site (or the one site chosen), each frozen or not. */
  async function countsOf(town: Town, day: string, site: string) {
    const meals = await mealsOfDay({ pool, clock }, town, day);
    return meals
      .filter((m) => site === '' || m.site === site)
      .map((m) => ({ ...countSite(m.site, m.meals), frozenAt: m.frozenAt }))
      .sort((a, b) => a.site.localeCompare(b.site, 'fr'));
  }

  async function chosenSite(req: Request, town: Town) {
    const sites = await mealSites(pool, town.id);
    return { sites, site: typeof req.query.site === 'string' && sites.includes(req.query.site) ? req.query.site : '' };
  }

  async function load(req: Request) {
    const town = requireTown(req);
    // A day the query does not give, or gives wrong, falls back to tomorrow: the kitchen plans a day ahead.
    const day = parseDay(req.query.jour) ?? addDays(parisDay(clock.now()), 1);
    const { sites, site } = await chosenSite(req, town);
    return { day, sites, site, counts: await countsOf(town, day, site) };
  }

  /** Seven days from `du` (tomorrow by default), one after the other: each day may freeze its counts on this read. */
  async function showWeek(req: Request, res: Response) {
    const town = requireTown(req);
    const from = parseDay(req.query.du) ?? addDays(parisDay(clock.now()), 1);
    const { sites, site } = await chosenSite(req, town);
    const days = [];
    for (let i = 0; i < WEEK_DAYS; i++) {
      const day = addDays(from, i);
      days.push({ day, dayName: dayLabel(day), counts: await countsOf(town, day, site) });
    }
    res.render('agents/kitchen/week', {
      title: `Cuisine – semaine du ${dayLabel(from)}`,
      from,
      fromName: dayLabel(from),
      days,
      sites,
      site,
      prevWeek: addDays(from, -WEEK_DAYS),
      nextWeek: addDays(from, WEEK_DAYS),
    });
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

  return { show, showWeek, exportCsv, exportPdf };
}
