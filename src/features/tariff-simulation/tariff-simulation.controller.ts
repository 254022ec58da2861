import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { requireTown } from '../../middleware/town.js';
import { listFamiliesForBilling } from '../../repositories/billing-invoices.repository.js';
import {
  getBillingSettings,
  listPricedActivities,
  listQuotientHistory,
  listTariffs,
} from '../../repositories/billing-tariffs.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { formatBp, inForceOn, isResident } from '../billing/pricing.js';
import { parseQf, simulate, WEEKS_PER_TYPICAL_MONTH } from './simulation.js';

/** What the CAF says of its QF, for "Calculez votre quotient familial". */
export const CAF_URL = 'https://www.caf.fr/';

/**
 * "Simulation des tarifs" (issue 14): public per town, and in the parent's space with the
 * family's QF in force today and its residence. A GET form: a QF that cannot be read comes
 * back with a French message and a 400, as typed. Read-only pages: the repositories are read here.
 */
export function tariffSimulationController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function simulation(town: Town, qf: number | null, resident: boolean) {
    const today = parisDay(clock.now());
    const [activities, settings] = await Promise.all([listPricedActivities(pool, town.id, today), getBillingSettings(pool, town.id)]);
    const tariffs = await listTariffs(
      pool,
      town.id,
      activities.map((a) => a.id),
    );
    // A typical month counts booked days; a day attended without a booking costs more, and the page says how much.
    const surcharge = settings.unreservedSurchargeBp > 0 ? formatBp(settings.unreservedSurchargeBp) : null;
    return { ...simulate(activities, tariffs, today, { qf, resident }), surcharge };
  }

  function render(res: Response, status: number, locals: Record<string, unknown>) {
    res
      .status(status)
      .render('tariff-simulation/index', { title: 'Simulation des tarifs', weeks: WEEKS_PER_TYPICAL_MONTH, cafUrl: CAF_URL, ...locals });
  }

  /** A QF that cannot be read: the form again with what was typed and why, no prices. */
  function refused(res: Response, locals: { action: string; family: unknown }, typed: string, message: string) {
    render(res, 400, { ...locals, errors: [{ field: 'qf', message }], fieldErrors: { qf: message }, values: { qf: typed } });
  }

  async function showPublic(req: Request, res: Response) {
    const town = requireTown(req);
    const typed = typeof req.query.qf === 'string' ? req.query.qf : '';
    const parsed = parseQf(req.query.qf);
    const action = urls.tariffSimulation(town);
    if (!parsed.ok) return refused(res, { action, family: null }, typed, parsed.message);
    render(res, 200, { action, qf: parsed.qf, values: { qf: typed }, sim: await simulation(town, parsed.qf, true), family: null });
  }

  async function showForFamily(req: Request, res: Response) {
    const town = requireTown(req);
    const familyId = req.account!.familyId!;
    const today = parisDay(clock.now());
    const [history, [family], settings] = await Promise.all([
      listQuotientHistory(pool, town.id, familyId),
      listFamiliesForBilling(pool, town.id, [familyId]),
      getBillingSettings(pool, town.id),
    ]);
    const current = inForceOn(history, today) ?? null;
    const resident = isResident(family?.postalCode ?? '', settings.residentPostalCodes);
    const familyView = { current, resident, postalCode: family?.postalCode ?? '' };
    const action = urls.myTariffSimulation(town);
    // "Essayer un autre quotient": the form's QF replaces the family's; no QF in the query is the family's own.
    const asked = 'qf' in req.query;
    const typed = typeof req.query.qf === 'string' ? req.query.qf : '';
    const parsed = asked ? parseQf(req.query.qf) : { ok: true as const, qf: current?.qf ?? null };
    if (!parsed.ok) return refused(res, { action, family: familyView }, typed, parsed.message);
    render(res, 200, {
      action,
      family: familyView,
      qf: parsed.qf,
      values: { qf: asked ? typed : '' },
      sim: await simulation(town, parsed.qf, resident),
    });
  }

  return { showPublic, showForFamily };
}
