import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { addDays, dayLabel, parisDay, parseDay } from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { requireTown } from '../../../middleware/town.js';
import { rosterSites } from '../../../repositories/roster.repository.js';
import { urls } from '../../../routes.js';
import * as attendanceService from '../../reservations/attendance.service.js';
import { rosterPdf } from './roster-pdf.js';
import { loadRoster, setHealthRight } from './roster.service.js';

/** "Liste du jour": a site's children of a day, with the flags the staff at the door must see. */
export function rosterController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function load(req: Request) {
    const town = requireTown(req);
    // The roster is for today at the door; a day the query does not give, or gives wrong, is today.
    const day = parseDay(req.query.jour) ?? parisDay(clock.now());
    const sites = await rosterSites(pool, town.id);
    const site = typeof req.query.site === 'string' && sites.includes(req.query.site) ? req.query.site : (sites[0] ?? '');
    const roster = site ? await loadRoster(ctx, town, { ...auditActor(req), agentId: req.agent!.id }, day, site) : null;
    return { town, day, sites, site, roster };
  }

  async function show(req: Request, res: Response) {
    const { day, sites, site, roster } = await load(req);
    res.render('agents/roster/show', {
      title: `Liste du ${dayLabel(day)}${site ? ` – ${site}` : ''}`,
      day,
      dayName: dayLabel(day),
      sites,
      site,
      roster,
      absenceLabels: attendanceService.ABSENCE_LABELS,
      prevDay: addDays(day, -1),
      nextDay: addDays(day, 1),
    });
  }

  async function exportPdf(req: Request, res: Response) {
    const { town, day, site, roster } = await load(req);
    if (!roster) throw new NotFoundError('no site');
    const content = await rosterPdf(town.name, day, site, roster, clock.now());
    sendAttachment(res, { fileName: `liste-${day}.pdf`, contentType: 'application/pdf', content });
  }

  async function setHealth(req: Request, res: Response) {
    const town = requireTown(req);
    const id = req.params.agentId;
    if (!isUuid(id)) throw new NotFoundError('not an agent id');
    const allowed = ((req.body ?? {}) as Record<string, unknown>).autoriser === 'oui';
    const result = await setHealthRight(ctx, town, id, allowed, auditActor(req));
    if (result.kind === 'not-found') throw new NotFoundError('agent of another town');
    req.session.flash = {
      kind: result.kind === 'done' ? 'success' : 'info',
      message: allowed
        ? 'Cet agent peut voir les informations de santé des listes du jour.'
        : 'Cet agent ne voit plus les informations de santé des listes du jour.',
    };
    res.redirect(303, urls.agentTeam(town));
  }

  return { show, exportPdf, setHealth };
}
