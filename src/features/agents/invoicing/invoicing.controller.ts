import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { monthLabel, parisDay, shiftMonth } from '../../../lib/calendar/index.js';
import { contentDisposition } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as invoices from '../../../repositories/billing-invoices.repository.js';
import { listRegies, type Regie } from '../../../repositories/billing-tariffs.repository.js';
import { urls } from '../../../routes.js';
import { monthExportCsv } from '../../billing/billing.service.js';
import { startInvoicingRun } from '../../billing/invoicing.service.js';
import { RUN_STATUS_LABELS, runProgress } from './invoicing-pages.js';
import { exportSchema, readMonth, regieError, startRunSchema } from './invoicing.schemas.js';

/**
 * The régie's hub (`/agents/facturation`): its invoicing runs and the form that starts one,
 * each run's progress page, and the month's CSV for the accounting. The invoicing itself is
 * the job of the queue "invoicing" (src/features/billing/invoicing.service.ts).
 */
export function invoicingController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };
  const lastMonth = () => shiftMonth(parisDay(clock.now()).slice(0, 7), -1);

  async function renderHub(req: Request, res: Response, status = 200, errors?: FieldError[], values?: Record<string, string>) {
    const town = requireTown(req);
    const [runs, regies] = await Promise.all([invoices.listRuns(pool, town.id, 50), listRegies(pool, town.id)]);
    const byId = new Map(regies.map((r) => [r.id, r]));
    res.status(status).render('agents/invoicing/hub', {
      title: 'Facturation',
      monthLabel,
      runs: runs.map((run) => ({ run, regie: byId.get(run.regieId), statusLabel: RUN_STATUS_LABELS[run.status] })),
      regies,
      values: values ?? { regie: regies.length === 1 ? regies[0]!.id : '', mois: lastMonth() },
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function hub(req: Request, res: Response) {
    await renderHub(req, res);
  }

  async function start(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(startRunSchema, req.body);
    const regies = await listRegies(pool, town.id);
    if (!form.ok) {
      const known = form.errors.some((e) => e.field === 'regie') ? [] : [regieError('regie', form.values.regie ?? '', regies)];
      return renderHub(req, res, 400, [...known.filter((e): e is FieldError => !!e), ...form.errors], form.values);
    }
    const values = formValues(req.body);
    const wrongRegie = regieError('regie', form.data.regie, regies);
    if (wrongRegie) return renderHub(req, res, 400, [wrongRegie], values);
    const started = await startInvoicingRun(ctx, town.id, auditActor(req), form.data.regie.toLowerCase(), readMonth(form.data.mois)!);
    if (!started.ok) return renderHub(req, res, 400, [{ field: 'mois', message: started.message }], values);
    req.session.flash = {
      kind: 'success',
      message: started.alreadyRunning
        ? 'La facturation de ce mois est déjà en cours : voici sa progression.'
        : 'La facturation est lancée : elle se poursuit même si vous quittez cette page.',
    };
    res.redirect(303, urls.agentInvoicingRun(town, started.runId));
  }

  async function loadRun(req: Request) {
    const town = requireTown(req);
    const run = await invoices.findRun(pool, town.id, idParam(req, 'runId'));
    if (!run) throw new NotFoundError('invoicing run');
    return { town, run };
  }

  async function showRun(req: Request, res: Response) {
    const { town, run } = await loadRun(req);
    const regies = await listRegies(pool, town.id);
    const regie = regies.find((r) => r.id === run.regieId);
    const progress = runProgress(run);
    res.render('agents/invoicing/run', {
      title: `${progress.finished ? 'Facturation' : 'Facturation en cours'} – ${regie?.name ?? ''} – ${monthLabel(run.month.slice(0, 7))}`,
      run,
      regie,
      progress,
      monthLabel,
      statusLabel: RUN_STATUS_LABELS[run.status],
    });
  }

  /** For the progress script: the same figures as the page, as JSON. */
  async function runStatus(req: Request, res: Response) {
    const { run } = await loadRun(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(runProgress(run));
  }

  function renderExport(res: Response, regies: Regie[], status: number, values: Record<string, string>, errors?: FieldError[]) {
    res.status(status).render('agents/invoicing/export', {
      title: 'Export comptable',
      regies,
      values,
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  /** The page, or with a régie and a month in the query, the month's CSV as a download. */
  async function exportMonth(req: Request, res: Response) {
    const town = requireTown(req);
    const regies = await listRegies(pool, town.id);
    const query = formValues(req.query);
    if (query.regie === undefined && query.mois === undefined) {
      return renderExport(res, regies, 200, { regie: regies.length === 1 ? regies[0]!.id : '', mois: lastMonth() });
    }
    const form = parseForm(exportSchema, req.query);
    const wrongRegie =
      form.ok || !form.errors.some((e) => e.field === 'regie') ? regieError('regie', query.regie ?? '', regies) : undefined;
    if (!form.ok || wrongRegie) {
      const errors = [...(wrongRegie ? [wrongRegie] : []), ...(form.ok ? [] : form.errors)];
      return renderExport(res, regies, 400, query, errors);
    }
    const regie = regies.find((r) => r.id === form.data.regie.toLowerCase())!;
    const month = readMonth(form.data.mois)!;
    const csv = await monthExportCsv(ctx, town.id, regie.id, month);
    if (csv === undefined) throw new NotFoundError('export month');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition(`factures-${regie.code}-${month}.csv`));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(csv);
  }

  return { hub, start, showRun, runStatus, exportMonth };
}
