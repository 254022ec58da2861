import type { NextFunction, Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { idParam } from '../../lib/params.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { listFamilyChildren } from '../../repositories/family-members.repository.js';
import * as forms from '../../repositories/town-forms.repository.js';
import { urls } from '../../routes.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import { listForOwner } from '../documents/documents.service.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { builtInGroups, formGroups } from './catalogue.js';
import { fieldsOf, readSubmission } from './form-fields.js';
import * as service from './procedures.service.js';

/**
 * NOUVELLE DÉMARCHE (issue 17), the parent's side: the catalogue, and a published form to
 * fill and send (one multipart form, like the QF declaration). A form not published, of
 * another town, or an unknown id is the same 404.
 */
export function proceduresController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;
  const parentOf = (req: Request) => req.account as Account & { familyId: string };

  async function catalogue(req: Request, res: Response) {
    const town = requireTown(req);
    const account = req.account!;
    const open = familyOpen(account);
    const [children, versions] = await Promise.all([
      open ? listFamilyChildren(pool, town.id, account.familyId!) : Promise.resolve([]),
      open ? forms.listPublishedVersions(pool, town.id) : Promise.resolve([]),
    ]);
    res.render('procedures/index', {
      title: 'Nouvelle démarche',
      familyOpen: open,
      builtIn: builtInGroups(town, { open, children }),
      services: formGroups(town, versions),
    });
  }

  async function versionOf(req: Request): Promise<forms.TownFormVersionRow> {
    const version = await forms.findPublishedVersion(pool, requireTown(req).id, idParam(req, 'formId'));
    if (!version) throw new NotFoundError('form not published');
    return version;
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    version: forms.TownFormVersionRow,
    o: { errors?: FieldError[]; values?: Record<string, string>; stockage?: string[]; filesForgotten?: boolean },
  ) {
    const fields = fieldsOf(version.fields);
    const documents = fields.some((f) => f.kind === 'file') ? (await listForOwner(ctx, parentOf(req))).documents : [];
    const errors = o.errors ?? [];
    res.status(status).render('procedures/form', {
      title: version.title,
      version,
      fields,
      documents,
      errors,
      fieldErrors: errorMap(errors),
      values: o.values ?? {},
      stockage: o.stockage ?? [],
      filesForgotten: o.filesForgotten ?? false,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
    });
  }

  async function show(req: Request, res: Response) {
    await render(req, res, 200, await versionOf(req), {});
  }

  /** The form must be published (404 otherwise) and a flood refused (429) before any file is read. */
  async function beforeUpload(req: Request, res: Response, next: NextFunction) {
    res.locals.formVersion = await versionOf(req);
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function send(req: Request, res: Response) {
    const town = requireTown(req);
    const version = res.locals.formVersion as forms.TownFormVersionRow;
    const uploads = req.uploads!;
    const fields = fieldsOf(version.fields);
    const form = readSubmission(fields, req.body, uploads);
    // After a refused form the browser has forgotten the chosen files: the page says so.
    const again = { values: form.values, stockage: form.stockage, filesForgotten: uploads.received > 0 };
    if (!form.ok) return render(req, res, form.status, version, { ...again, errors: form.errors });
    const result = await service.submit(ctx, town, parentOf(req), version, {
      answers: form.answers,
      storedDocumentIds: form.storedDocumentIds,
      uploads: uploads.files,
    });
    if (!result.ok) return render(req, res, 400, version, { ...again, errors: result.errors });
    req.session.flash = {
      kind: 'success',
      message: `Votre demande « ${version.title} » a été envoyée aux services. Un courriel vous indiquera leur réponse.`,
    };
    res.redirect(303, urls.request(town, result.requestId));
  }

  return { catalogue, show, beforeUpload, send };
}
