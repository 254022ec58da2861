import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { parisDay } from '../../lib/date-input.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT, formatBytes, formatLabel } from '../../lib/file-checks.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { uploadDocuments } from '../../middleware/upload.js';
import { urls } from '../../routes.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { DOCUMENT_KINDS, parseDocumentFields } from './documents.schemas.js';
import * as service from './documents.service.js';
import { UUID } from '../../lib/ids.js';

/** A route parameter that must be an id; anything else is the same 404 as someone else's id. */
function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError();
  return value.toLowerCase();
}

/**
 * The parent's private document storage, "Pièces justificatives" (issue 5). Only the
 * signed-in owner reaches a document: every query filters on the account, and an id of
 * another account, family or town is a 404 — as is any document URL for a visitor who is
 * not a parent of this town (an agent, another town's parent, nobody), whatever the verb.
 * No back-office router imports this feature or its repository.
 */
export function documentsRouter(deps: AppDeps): Router {
  const { pool, clock } = deps;
  const ctx: service.DocumentsContext = { pool, clock };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });
  // A URL naming a document answers 404 rather than "sign in first" to anyone without a
  // parent's session here: it must not tell that the document exists.
  const ownerOnly: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.account) throw new NotFoundError();
    return parentOnly(req, res, next);
  };

  const base = '/mon-espace/pieces-justificatives';

  router.get(base, parentOnly, async (req, res) => {
    const { documents, usage } = await service.listForOwner(ctx, req.account!);
    const attention = documents.filter((d) => d.validity.kind === 'expired' || d.validity.kind === 'soon').length;
    res.render('documents/index', { title: 'Pièces justificatives', documents, usage, attention, formatBytes, formatLabel });
  });

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

  router.get(`${base}/ajouter`, parentOnly, (_req, res) => renderNew(res, 200, {}));

  // Counted before the files are checked and stored: a flood costs no file check nor row.
  const rateLimit: RequestHandler = async (req, res, next) => {
    const limit = await service.uploadRateLimit(ctx, req.account!);
    if (limit.allowed) return next();
    res.setHeader('Retry-After', String(limit.retryAfterSeconds));
    res.status(429).render('documents/rate-limited', {
      title: 'Trop de documents ajoutés',
      minutes: Math.ceil(limit.retryAfterSeconds / 60),
    });
  };

  router.post(`${base}/ajouter`, parentOnly, rateLimit, uploadDocuments('fichiers'), async (req, res) => {
    const town = requireTown(req);
    const uploads = req.uploads!;
    const fields = parseDocumentFields(req.body, parisDay(clock.now()));
    const errors: FieldError[] = fields.ok ? [] : [...fields.errors];
    let status = 400;
    if (uploads.problem) {
      errors.push({ field: 'fichiers', message: uploads.problem.message });
      status = uploads.problem.status;
    } else if (uploads.files.length === 0) {
      errors.push({ field: 'fichiers', message: 'Joignez au moins un fichier' });
    }
    if (!fields.ok || errors.length > 0) {
      return renderNew(res, status, { errors, values: fields.values, dateErrorFields: fields.ok ? [] : fields.dateErrorFields });
    }
    const stored = await service.addDocument(ctx, req.account!, fields.data, uploads.files);
    if (!stored.ok) return renderNew(res, 413, { errors: [{ field: 'fichiers', message: stored.message }], values: fields.values });
    req.session.flash = { kind: 'success', message: `Le document « ${fields.data.title} » a été ajouté à votre espace de stockage.` };
    res.redirect(303, urls.documents(town));
  });

  router.get(`${base}/:documentId/fichiers/:fileId`, ownerOnly, async (req, res) => {
    const file = await service.fileForOwner(ctx, req.account!, idParam(req, 'documentId'), idParam(req, 'fileId'));
    if (!file) throw new NotFoundError();
    sendAttachment(res, file);
  });

  async function ownedDocument(req: Request) {
    const doc = await service.findForOwner(ctx, req.account!, idParam(req, 'documentId'));
    if (!doc) throw new NotFoundError();
    return doc;
  }

  router.get(`${base}/:documentId/supprimer`, ownerOnly, async (req, res) => {
    const document = await ownedDocument(req);
    res.render('documents/delete', { title: 'Supprimer un document', document, formatBytes, formatLabel });
  });

  router.post(`${base}/:documentId/supprimer`, ownerOnly, async (req, res) => {
    const town = requireTown(req);
    const document = await ownedDocument(req);
    if (!(await service.deleteForOwner(ctx, req.account!, document.id))) throw new NotFoundError();
    req.session.flash = { kind: 'success', message: `Le document « ${document.title} » a été supprimé.` };
    res.redirect(303, urls.documents(town));
  });

  return router;
}
