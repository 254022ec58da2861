import type { NextFunction, Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { listQuotientDeclarations, listQuotientHistory, type QuotientSource } from '../../repositories/billing-tariffs.repository.js';
import { urls } from '../../routes.js';
import { inForceOn } from '../billing/pricing.js';
import { listForOwner } from '../documents/documents.service.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { readDeclaration } from './quotient.schemas.js';
import * as service from './quotient.service.js';

const SOURCE_LABELS: Record<QuotientSource, string> = {
  agent: 'Enregistré par les services',
  parent_declaration: 'Votre déclaration, acceptée par les services',
  caf: 'Transmis par la Caf',
};

/**
 * "Mon quotient familial": the QF in force (value, date of effect, source) and its history,
 * and the declaration of a new one with its attestation (one multipart form, like an
 * absence's step 1). Only the family's own records and the parent's own storage are read.
 */
export function quotientController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const parentOf = (req: Request) => req.account as Account & { familyId: string };

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; stockage?: string[]; filesForgotten?: boolean },
  ) {
    const town = requireTown(req);
    const parent = parentOf(req);
    const today = parisDay(clock.now());
    const [history, declarations, listed] = await Promise.all([
      listQuotientHistory(pool, town.id, parent.familyId),
      listQuotientDeclarations(pool, town.id, parent.familyId, parent.id, 5),
      listForOwner(ctx, parent),
    ]);
    const errors = form.errors ?? [];
    res.status(status).render('quotient/index', {
      title: 'Mon quotient familial',
      current: inForceOn(history, today) ?? null,
      history,
      declarations,
      statusLabels: STATUS_LABELS,
      sourceLabels: SOURCE_LABELS,
      documents: listed.documents,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      stockage: form.stockage ?? [],
      filesForgotten: form.filesForgotten ?? false,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200, {});

  /** A flood of declarations is refused (429) before any file is read, like the other requests. */
  async function beforeUpload(req: Request, _res: Response, next: NextFunction) {
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function declare(req: Request, res: Response) {
    const town = requireTown(req);
    const uploads = req.uploads!;
    const form = readDeclaration(req.body, parisDay(clock.now()), uploads);
    // After a refused form the browser has forgotten the chosen files: the page says so.
    const again = { values: form.values, stockage: form.stockage, filesForgotten: uploads.received > 0 };
    if (!form.ok) return render(req, res, form.status, { ...again, errors: form.errors });
    const parent = parentOf(req);
    const storageShown = (await listForOwner(ctx, parent)).documents.length > 0;
    const result = await service.declareQuotient(ctx, town, parent, { ...form.data, uploads: uploads.files, storageShown });
    if (!result.ok) return render(req, res, 400, { ...again, errors: result.errors });
    req.session.flash = {
      kind: 'success',
      message: 'Votre quotient familial a été envoyé aux services avec son attestation. Un courriel vous indiquera leur décision.',
    };
    res.redirect(303, urls.request(town, result.requestId));
  }

  return { show, beforeUpload, declare };
}
