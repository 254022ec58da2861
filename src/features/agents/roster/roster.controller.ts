import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { addDays, dayLabel, parisDay, parseDay } from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { requireTown } from '../../../middleware/town.js';
import { rosterSites, siteDayClasses } from '../../../repositories/roster.repository.js';
import { urls } from '../../../routes.js';
import * as attendanceService from '../../reservations/attendance.service.js';
import { parseSheetGroup } from '../activities/attendance-form.js';
import { rosterPdf } from './roster-pdf.js';
import { loadRoster, setHealthRight } from './roster.service.js';

/** "Liste du jour": a site's children of a day, with the flags the staff at the door must see. */
export function rosterController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function where(req: Request) {
    const town = requireTown(req);
    // The roster is for today at the door; a day the query does not give, or gives wrong, is today.
    const day = parseDay(req.query.jour) ?? parisDay(clock.now());
    const sites = await rosterSites(pool, town.id);
    const site = typeof req.query.site === 'string' && sites.includes(req.query.site) ? req.query.site : (sites[0] ?? '');
    // A class that is not one line of text is no class: the whole site's list.
    const parsed = parseSheetGroup(req.query as Record<string, unknown>);
    const group = parsed.ok ? parsed.group : undefined;
    return { town, day, sites, site, group };
  }

  async function show(req: Request, res: Response) {
    const { town, day, sites, site, group } = await where(req);
    const classes = site ? await siteDayClasses(pool, town.id, site, day) : [];
    const classTotal = classes.reduce((n, c) => n + c.children, 0);
    // A day too long for one list (a groupe scolaire's canteen: 2,000 children) is read class
    // by class, as its attendance sheet is; the PDF still prints the whole list.
    const bigDay = !group && classTotal > attendanceService.WHOLE_SHEET_MAX;
    const roster = site && !bigDay ? await loadRoster(ctx, town, { ...auditActor(req), agentId: req.agent!.id }, day, site, group) : null;
    res.render('agents/roster/show', {
      title: `Liste du ${dayLabel(day)}${site ? ` – ${site}` : ''}${group ? ` – ${attendanceService.groupLabel(group)}` : ''}`,
      day,
      dayName: dayLabel(day),
      sites,
      site,
      group: group ?? null,
      groupLabel: attendanceService.groupLabel,
      classes,
      classTotal,
      bigDay,
      roster,
      absenceLabels: attendanceService.ABSENCE_LABELS,
      prevDay: addDays(day, -1),
      nextDay: addDays(day, 1),
    });
  }

  async function exportPdf(req: Request, res: Response) {
    const { town, day, site, group } = await where(req);
    if (!site) throw new NotFoundError('no site');
    const roster = await loadRoster(ctx, town, { ...auditActor(req), agentId: req.agent!.id }, day, site, group);
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
