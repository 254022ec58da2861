import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import {
  daysBetween,
  monthBounds,
  monthLabel,
  parisDay,
  parseDay,
  parseFrenchDate,
  parseMonthKey,
  shiftMonth,
  shortDate,
} from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { isUuid } from '../../../lib/ids.js';
import { requireTown } from '../../../middleware/town.js';
import * as validation from '../../../repositories/account-validation.repository.js';
import * as statistics from '../../../repositories/statistics.repository.js';
import { businessCalendar } from '../../../lib/calendar/index.js';
import { horizontalBars } from './bar-chart.js';
import { cafCsv, cafReturn, frenchNumber } from './caf-return.js';
import { activationFigures, activitiesCsv, activityFigures, percent, requestFigures, requestsCsv } from './figures.js';

/** A period longer than this is refused: the figures are read on the fly. */
const MAX_PERIOD_DAYS = 400;

/**
 * "Statistiques" and the CAF's monthly return. Read-only, so the controller reads the
 * repository itself (docs/conventions.md); the rules are in figures.ts and caf-return.ts.
 */
export function statisticsController(deps: AppDeps) {
  const { pool, clock } = deps;

  /** The period asked: a month (`mois`), else a range (`du`, `au`), else this month. */
  function period(req: Request) {
    const today = parisDay(clock.now());
    const month = parseMonthKey(req.query.mois);
    // A date field sends 'YYYY-MM-DD'; a browser without one lets the agent type 'JJ/MM/AAAA'.
    const day = (v: unknown) => parseDay(v) ?? (typeof v === 'string' ? parseFrenchDate(v) : undefined);
    const du = day(req.query.du);
    const au = day(req.query.au);
    // The form sends empty dates with a month: only dates typed make a range, and they win.
    const typed = (v: unknown) => typeof v === 'string' && v.trim() !== '';
    const typedRange = typed(req.query.du) || typed(req.query.au);
    let error: string | undefined;
    if (typedRange) {
      if (!du || !au) error = 'Saisissez les deux dates de la période, par exemple 01/09/2026 et 30/09/2026';
      else if (au < du) error = 'La date de fin doit être la même que la date de début ou après';
      else if (daysBetween(du, au) > MAX_PERIOD_DAYS) error = `La période ne peut pas dépasser ${MAX_PERIOD_DAYS} jours`;
      else return { from: du, to: au, month: undefined, today, error };
    }
    const m = month ?? today.slice(0, 7);
    return { ...monthBounds(m), month: m, today, error };
  }

  async function load(req: Request) {
    const town = requireTown(req);
    const p = period(req);
    const activities = await statistics.townActivities(pool, town.id);
    let activityId: string | null = null;
    if (typeof req.query.activite === 'string' && req.query.activite !== '') {
      // Another town's activity, or none: nothing to show.
      if (!isUuid(req.query.activite) || !activities.some((a) => a.id === req.query.activite)) throw new NotFoundError();
      activityId = req.query.activite;
    }
    const calendar = businessCalendar(await validation.listClosureRanges(pool, town.id));
    const [counts, requests, accounts] = await Promise.all([
      statistics.activityCounts(pool, town.id, { from: p.from, to: p.to, today: p.today, activityId }),
      statistics.requestsOfPeriod(pool, town.id, p.from, p.to),
      statistics.accountsValidatedInPeriod(pool, town.id, p.from, p.to),
    ]);
    const promiseHours = town.activationDelayHours;
    return {
      town,
      period: p,
      activities,
      activityId,
      figures: activityFigures(counts),
      requests: requestFigures(requests, clock.now(), promiseHours, calendar),
      activations: activationFigures(accounts, promiseHours, calendar),
      promiseHours,
    };
  }

  function query(d: Awaited<ReturnType<typeof load>>) {
    const base = d.activityId ? { activite: d.activityId } : {};
    return d.period.month && !d.period.error ? { ...base, mois: d.period.month } : { ...base, du: d.period.from, au: d.period.to };
  }

  async function show(req: Request, res: Response) {
    const d = await load(req);
    const label = (r: { name: string; site: string }) => (r.site ? `${r.name} (${r.site})` : r.name);
    const q = query(d);
    res.render('agents/statistics/index', {
      title: 'Statistiques',
      ...d,
      errors: d.period.error ? [{ field: 'du', message: d.period.error }] : [],
      periodLabel: d.period.month ? monthLabel(d.period.month) : `du ${shortDate(d.period.from)} au ${shortDate(d.period.to)}`,
      prevMonth: d.period.month ? shiftMonth(d.period.month, -1) : undefined,
      nextMonth: d.period.month ? shiftMonth(d.period.month, 1) : undefined,
      values: { du: req.query.du === undefined ? '' : String(req.query.du), au: req.query.au === undefined ? '' : String(req.query.au) },
      percent,
      bookingsChart: horizontalBars(d.figures.rows.map((r) => ({ label: label(r), value: r.booked }))),
      attendanceChart: horizontalBars(
        d.figures.rows
          .filter((r) => r.attendanceRate !== null)
          .map((r) => ({ label: label(r), value: Math.round(r.attendanceRate! * 100), text: percent(r.attendanceRate) })),
        100,
      ),
      csvQuery: q,
    });
  }

  async function exportActivities(req: Request, res: Response) {
    const d = await load(req);
    sendAttachment(res, {
      fileName: `statistiques-activites-${d.period.from}-${d.period.to}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: Buffer.from(activitiesCsv(d.figures), 'utf8'),
    });
  }

  async function exportRequests(req: Request, res: Response) {
    const d = await load(req);
    sendAttachment(res, {
      fileName: `statistiques-demandes-${d.period.from}-${d.period.to}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: Buffer.from(requestsCsv(d.requests, d.promiseHours), 'utf8'),
    });
  }

  async function loadCaf(req: Request) {
    const town = requireTown(req);
    const month = parseMonthKey(req.query.mois) ?? shiftMonth(parisDay(clock.now()).slice(0, 7), -1);
    const { from, to } = monthBounds(month);
    const [activities, attendance, bounds] = await Promise.all([
      statistics.cafActivities(pool, town.id, from, to),
      statistics.cafAttendance(pool, town.id, from, to),
      statistics.activityBracketBounds(pool, town.id, from),
    ]);
    return { month, returns: cafReturn(activities, attendance, bounds) };
  }

  async function showCaf(req: Request, res: Response) {
    const d = await loadCaf(req);
    res.render('agents/statistics/caf', {
      title: `Déclaration CAF – ${monthLabel(d.month)}`,
      ...d,
      monthName: monthLabel(d.month),
      prevMonth: shiftMonth(d.month, -1),
      nextMonth: shiftMonth(d.month, 1),
      frenchNumber,
    });
  }

  async function exportCaf(req: Request, res: Response) {
    const d = await loadCaf(req);
    sendAttachment(res, {
      fileName: `declaration-caf-${d.month}.csv`,
      contentType: 'text/csv; charset=utf-8',
      content: Buffer.from(cafCsv(d.month, d.returns), 'utf8'),
    });
  }

  return { show, exportActivities, exportRequests, showCaf, exportCaf };
}
