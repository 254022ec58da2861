import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { parisDay, shortDate } from '../../../lib/calendar/index.js';
import { errorMap, formValues, type FieldError } from '../../../lib/forms.js';
import { formatScaled } from '../../../lib/french-numbers.js';
import { requireTown } from '../../../middleware/town.js';
import * as billing from '../../../repositories/billing-tariffs.repository.js';
import { urls } from '../../../routes.js';
import { recordTariff } from '../../billing/billing.service.js';
import { inForceOn, type Tariff } from '../../billing/pricing.js';
import { loadActivity } from '../activities/load-activity.js';
import { messagesToFields, parseTariffForm, rowCount, schoolYearOf, tariffValues } from './tariff-form.js';

/** "0,36 %", "10 %": a rate as the pages print it (millionths or basis points). */
const percent = (value: number, decimals: number) => `${formatScaled(value, decimals)}\u00a0%`;

/**
 * Tariffs (admins): every activity with the tariff in force today, and an activity's
 * versions with the form that adds one (brackets of QF or taux d'effort). A version applies
 * from its date of effect; issued invoices keep the prices they were computed with.
 */
export function tariffsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const today = parisDay(clock.now());
    const activities = await billing.listActivityRegies(pool, town.id);
    const tariffs = await billing.listTariffs(
      pool,
      town.id,
      activities.map((a) => a.id),
    );
    const inForce = activities.map((a) => ({ activity: a, tariff: inForceOn(tariffs.get(a.id) ?? [], today) }));
    const details = await billing.tariffDetails(
      pool,
      town.id,
      inForce.flatMap((x) => (x.tariff ? [x.tariff.id] : [])),
    );
    res.render('agents/billing-setup/tariffs', {
      title: 'Tarifs des activités',
      rows: inForce.map(({ activity, tariff }) => ({
        activity,
        tariff,
        schoolYear: tariff ? details.get(tariff.id)?.schoolYear : undefined,
        upcoming: (tariffs.get(activity.id) ?? []).filter((t) => t.effectiveFrom > today).length,
      })),
      describe: describeTariff,
      shortDate,
    });
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    form?: { errors: FieldError[]; values: Record<string, string>; rows: number },
  ) {
    const town = requireTown(req);
    const activity = await loadActivity(pool, req);
    const today = parisDay(clock.now());
    const [versions, activities] = await Promise.all([
      billing.listTariffs(pool, town.id, [activity.id]).then((m) => m.get(activity.id) ?? []),
      billing.listActivityRegies(pool, town.id),
    ]);
    const details = await billing.tariffDetails(
      pool,
      town.id,
      versions.map((v) => v.id),
    );
    const current = inForceOn(versions, today);
    const start = form ?? tariffValues(current ?? versions[versions.length - 1], schoolYearOf(today));
    const errors = form?.errors ?? [];
    res.status(status).render('agents/billing-setup/tariff', {
      title: `Tarifs – ${activity.name}`,
      activity,
      regieName: activities.find((a) => a.id === activity.id)?.regieName ?? null,
      versions: [...versions].reverse().map((v) => ({ tariff: v, details: details.get(v.id), inForce: v.id === current?.id })),
      describe: describeTariff,
      percent,
      errors,
      fieldErrors: errorMap(errors),
      values: start.values,
      rows: start.rows,
      shortDate,
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200);

  async function addVersion(req: Request, res: Response) {
    const town = requireTown(req);
    const activity = await loadActivity(pool, req);
    // "Ajouter une tranche" (no JavaScript needed): the same form, typed values kept, one more row.
    if (req.body?.action === 'ajouter-tranche') {
      const values = formValues(req.body);
      return render(req, res, 200, { errors: [], values, rows: rowCount(values, true) });
    }
    const form = parseTariffForm(req.body, activity.id);
    if (!form.ok) return render(req, res, 400, form);
    const actor = auditActor(req);
    const result = await recordTariff(ctx, town.id, actor, { ...form.tariff, createdBy: actor.agentId });
    if (!result.ok) {
      const values = formValues(req.body);
      return render(req, res, 400, { errors: messagesToFields(result.errors, form.tariff.model), values, rows: rowCount(values) });
    }
    req.session.flash = {
      kind: 'success',
      message: `Le tarif de l'activité ${activity.name} a été enregistré : il s'applique à partir du ${shortDate(form.tariff.effectiveFrom)}.`,
    };
    res.redirect(303, urls.agentBillingTariff(town, activity.id));
  }

  return { list, show, addVersion };
}

/** One line about a tariff, for the list: its model and its range of prices. */
export function describeTariff(t: Tariff, euros: (cents: number) => string): string {
  if (t.model === 'effort') {
    return `Taux d'effort de ${percent(t.effortRatePpm, 4)} du quotient familial, entre ${euros(t.effortFloorCents)} et ${euros(t.effortCeilingCents)}`;
  }
  const prices = t.brackets.map((b) => b.priceCents);
  const n = t.brackets.length;
  return `${n} ${n > 1 ? 'tranches' : 'tranche'} de quotient familial, de ${euros(Math.min(...prices))} à ${euros(Math.max(...prices))}`;
}
