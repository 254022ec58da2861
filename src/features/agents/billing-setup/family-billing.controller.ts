import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { parisDay, shortDate } from '../../../lib/calendar/index.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import * as billing from '../../../repositories/billing-tariffs.repository.js';
import { listFileAdults } from '../../../repositories/family-files.repository.js';
import { urls } from '../../../routes.js';
import { choosePayer, recordQuotient } from '../../billing/billing.service.js';
import { inForceOn, isResident } from '../../billing/pricing.js';
import { upperName } from '../../../lib/french.js';
import { loadFamilyFile } from '../families/load-family.js';
import { payerSchema, QF_SOURCES, quotientSchema } from './billing-setup.schemas.js';

const SOURCE_LABELS: Record<billing.QuotientSource, string> = {
  agent: 'Services de la commune',
  caf: 'Attestation CAF ou MSA',
  parent_declaration: 'Déclaration de la famille, acceptée',
};

/**
 * "Facturation" of a family file (every agent): the QF history with the form to record one
 * (each day is priced at the QF in force that day), and who pays, with split invoicing for
 * separated parents who each book their own days. Another town's family is the 404.
 */
export function familyBillingController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function render(req: Request, res: Response, status: number, form: { errors: FieldError[]; values: Record<string, string> }) {
    const { town, family } = await loadFamilyFile(pool, req);
    const [history, payer, adults, settings] = await Promise.all([
      billing.listQuotientHistory(pool, town.id, family.id),
      billing.findFamilyPayer(pool, town.id, family.id),
      listFileAdults(pool, town.id, family.id),
      billing.getBillingSettings(pool, town.id),
    ]);
    const current = inForceOn(history, parisDay(clock.now()));
    const familyLabel = `Famille ${upperName(family.name)}`;
    const payers = adults.flatMap((a) =>
      a.adultId ? [{ value: a.adultId, label: `${a.civility === 'M' ? 'M.' : 'Mme'} ${a.firstNames} ${upperName(a.lastName)}` }] : [],
    );
    res.status(status).render('agents/billing-setup/family', {
      title: `Facturation – ${familyLabel}`,
      family,
      familyLabel,
      history: history.map((q) => ({ ...q, sourceLabel: SOURCE_LABELS[q.source], inForce: q === current })),
      resident: isResident(family.postalCode, settings.residentPostalCodes),
      payerOptions: [{ value: '', label: `${familyLabel} (aucun adulte désigné)` }, ...payers],
      values: { payeur: payer?.payerAdultId ?? '', source: 'agent', ...(payer?.splitInvoicing ? { separee: 'oui' } : {}), ...form.values },
      errors: form.errors,
      fieldErrors: errorMap(form.errors),
      sources: QF_SOURCES,
      shortDate,
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200, { errors: [], values: {} });

  async function saveQuotient(req: Request, res: Response) {
    const { town, family } = await loadFamilyFile(pool, req);
    const form = parseForm(quotientSchema, req.body);
    if (!form.ok) return render(req, res, 400, form);
    const { qf, dateEffet, source } = form.data;
    const result = await recordQuotient(ctx, town.id, auditActor(req), { familyId: family.id, qf, effectiveFrom: dateEffet, source });
    if (!result.ok)
      return render(req, res, 400, { errors: [{ field: 'qf', message: result.errors.join(' ') }], values: formValues(req.body) });
    req.session.flash = {
      kind: 'success',
      message: `Le quotient familial de ${qf} € a été enregistré, à partir du ${shortDate(dateEffet)}.`,
    };
    res.redirect(303, urls.agentFamilyBilling(town, family.id));
  }

  async function savePayer(req: Request, res: Response) {
    const { town, family } = await loadFamilyFile(pool, req);
    const form = parseForm(payerSchema, req.body);
    // Unchecked, the box sends nothing: the typed values must say so, not fall back to the saved state.
    const typed = { separee: '', ...formValues(req.body) };
    if (!form.ok) return render(req, res, 400, { errors: form.errors, values: typed });
    const adults = await listFileAdults(pool, town.id, family.id);
    if (form.data.payeur !== '' && !adults.some((a) => a.adultId === form.data.payeur)) {
      return render(req, res, 400, {
        errors: [{ field: 'payeur', message: 'Choisissez qui paie les factures dans la liste' }],
        values: typed,
      });
    }
    await choosePayer(ctx, town.id, auditActor(req), family.id, {
      payerAdultId: form.data.payeur || null,
      splitInvoicing: form.data.separee === 'oui',
    });
    req.session.flash = { kind: 'success', message: 'Le payeur des factures a été enregistré : il vaut pour les prochaines factures.' };
    res.redirect(303, urls.agentFamilyBilling(town, family.id));
  }

  return { show, saveQuotient, savePayer };
}
