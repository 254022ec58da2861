import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT, formatBytes, formatLabel } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import { idParam } from '../../lib/params.js';
import { DOCUMENT_KINDS } from './documents.schemas.js';
import * as service from './documents.service.js';
import { readNewDocument } from './new-document.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The parent's private document storage, "Pièces justificatives" (issue 5). Only the
 * signed-in owner reaches a document: every query filters on the account, and an id of
 * another account, family or town is a 404.
 */
export function documentsController(deps: AppDeps) {
  const { clock } = deps;
  const ctx: ServiceContext = deps;

  async function showList(req: Request, res: Response) {
    const { documents, usage } = await service.listForOwner(ctx, req.account!);
    const attention = documents.filter((d) => d.validity.kind === 'expired' || d.validity.kind === 'soon').length;
    res.render('documents/index', { title: 'Pièces justificatives', documents, usage, attention, formatBytes, formatLabel });
  }

  function renderNew(
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; dateErrorFields?: string[] },
  ) {
    const errors = form.errors ?? [];
    res.status(status).render('documents/new', {
      title: 'Ajouter un document',
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      dateErrorFields: form.dateErrorFields ?? [],
      kinds: DOCUMENT_KINDS,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
      // After a refused form the browser has forgotten the chosen files: say so.
      filesForgotten: status !== 200,
    });
  }

  function showNew(_req: Request, res: Response) {
    renderNew(res, 200, {});
  }

  /** Counted before the files are checked and stored: a flood costs no file check nor row. */
  async function rateLimit(req: Request, res: Response, next: NextFunction) {
    const limit = await service.uploadRateLimit(ctx, req.account!);
    if (limit.allowed) return next();
    res.setHeader('Retry-After', String(limit.retryAfterSeconds));
    res
      .status(429)
      .render('documents/rate-limited', { title: 'Trop de documents ajoutés', minutes: Math.ceil(limit.retryAfterSeconds / 60) });
  }

  async function addDocument(req: Request, res: Response) {
    const town = requireTown(req);
    const uploads = req.uploads!;
    const form = readNewDocument(req.body, parisDay(clock.now()), uploads);
    if (!form.ok) return renderNew(res, form.status, form);
    const stored = await service.addDocument(ctx, req.account!, form.data, uploads.files);
    if (!stored.ok) return renderNew(res, 413, { errors: [{ field: 'fichiers', message: stored.message }], values: form.values });
    req.session.flash = { kind: 'success', message: `Le document « ${form.data.title} » a été ajouté à votre espace de stockage.` };
    res.redirect(303, urls.documents(town));
  }

  async function serveFile(req: Request, res: Response) {
    const file = await service.fileForOwner(ctx, req.account!, idParam(req, 'documentId'), idParam(req, 'fileId'));
    if (!file) throw new NotFoundError();
    sendAttachment(res, file);
  }

  async function ownedDocument(req: Request) {
    const doc = await service.findForOwner(ctx, req.account!, idParam(req, 'documentId'));
    if (!doc) throw new NotFoundError();
    return doc;
  }

  async function showDelete(req: Request, res: Response) {
    const document = await ownedDocument(req);
    res.render('documents/delete', { title: 'Supprimer un document', document, formatBytes, formatLabel });
  }

  async function deleteDocument(req: Request, res: Response) {
    const town = requireTown(req);
    const document = await ownedDocument(req);
    if (!(await service.deleteForOwner(ctx, req.account!, document.id))) throw new NotFoundError();
    req.session.flash = { kind: 'success', message: `Le document « ${document.title} » a été supprimé.` };
    res.redirect(303, urls.documents(town));
  }

  return { showList, showNew, rateLimit, addDocument, serveFile, showDelete, deleteDocument };
}
