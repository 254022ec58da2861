import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT, formatBytes } from '../../lib/file-checks.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { uploadDocuments } from '../../middleware/upload.js';
import * as repo from '../../repositories/requests.repository.js';
import { urls } from '../../routes.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { STATUS_LABELS } from './request-state.js';
import { requestDetails, TYPE_LABELS } from './request-types.js';
import { MESSAGE_MAX, parentMessageSchema } from './requests.schemas.js';
import * as service from './requests.service.js';
import { UUID } from '../../lib/ids.js';

const PAGE_SIZE = 20;

/** A route parameter that must be an id: anything else is the same 404 as another family's id. */
export function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError();
  return value.toLowerCase();
}

export function pageParam(req: Request): number {
  const raw = typeof req.query.page === 'string' ? Number(req.query.page) : 1;
  return Number.isInteger(raw) && raw >= 1 && raw <= 10_000 ? raw : 1;
}

/**
 * The parent's side of requests: "Dernières demandes", a request's detail with its
 * history and conversation, the answer to a "Complément demandé", and "Échanges à lire".
 * A request the parent may not see (another family's, another town's, a co-parent's
 * personal one) is a 404 for every verb, as is any request URL without a parent's session.
 */
export function requestsRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx: service.RequestContext = { pool, clock, config };
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });
  // A URL naming a request must not tell a visitor that it exists: 404, not "sign in".
  const ownerOnly: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (!req.account) throw new NotFoundError();
    return parentOnly(req, res, next);
  };

  router.get('/mon-espace/demandes', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const page = pageParam(req);
    const { rows, total } = await repo.listRequestsForParent(
      pool,
      town.id,
      service.scopeOf(req.account!),
      PAGE_SIZE,
      (page - 1) * PAGE_SIZE,
    );
    res.render('requests/index', {
      title: 'Dernières demandes',
      requests: rows,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
    });
  });

  router.get('/mon-espace/echanges', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const page = pageParam(req);
    const scope = service.scopeOf(req.account!);
    const [{ rows, total }, unread] = await Promise.all([
      repo.listInboxForParent(pool, town.id, scope, PAGE_SIZE, (page - 1) * PAGE_SIZE),
      repo.countUnreadForParent(pool, town.id, scope),
    ]);
    res.render('requests/inbox', {
      title: 'Échanges à lire',
      messages: rows,
      total,
      unread,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      statusLabels: STATUS_LABELS,
    });
  });

  async function renderDetail(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string> },
  ) {
    const town = requireTown(req);
    const view = await service.openForParent(ctx, town, req.account!, idParam(req, 'id'));
    const errors = form.errors ?? [];
    res.status(status).render('requests/show', {
      title: `Demande : ${view.request.summary}`,
      ...view,
      details: requestDetails(view.request.type, view.request.payload),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
      formatBytes,
      messageMax: MESSAGE_MAX,
      filesForgotten: status !== 200,
    });
  }

  router.get('/mon-espace/demandes/:id', ownerOnly, async (req, res) => renderDetail(req, res, 200, {}));

  router.post('/mon-espace/demandes/:id/messages', ownerOnly, async (req, res, next) => {
    // Before multer reads a byte: the request must be the parent's (404 otherwise).
    const town = requireTown(req);
    const found = await repo.findRequestForParent(pool, town.id, service.scopeOf(req.account!), idParam(req, 'id'));
    if (!found) throw new NotFoundError();
    await service.rateLimitRequests(ctx, req.account!.id, 'message');
    next();
  });
  router.post('/mon-espace/demandes/:id/messages', uploadDocuments('fichiers'), async (req, res) => {
    const town = requireTown(req);
    const id = idParam(req, 'id');
    const form = parseForm(parentMessageSchema, req.body);
    const uploads = req.uploads ?? { files: [], received: 0 };
    const errors: FieldError[] = form.ok ? [] : [...form.errors];
    if (uploads.problem) errors.push({ field: 'fichiers', message: uploads.problem.message });
    if (!form.ok || uploads.problem) {
      return renderDetail(req, res, uploads.problem?.status === 413 ? 413 : 400, {
        errors,
        values: form.ok ? { message: form.data.message } : form.values,
      });
    }
    const result = await service.postParentMessage(ctx, town, req.account!, id, form.data.message, uploads.files);
    req.session.flash = {
      kind: 'success',
      message:
        result.kind === 'answer'
          ? 'Votre réponse a été transmise aux services : votre demande est de nouveau en cours de traitement.'
          : 'Votre message a été envoyé aux services.',
    };
    res.redirect(303, `${urls.request(town, id)}#echanges`);
  });

  router.get('/mon-espace/demandes/:id/pieces/:fileId', ownerOnly, async (req, res) => {
    const town = requireTown(req);
    const request = await repo.findRequestForParent(pool, town.id, service.scopeOf(req.account!), idParam(req, 'id'));
    if (!request) throw new NotFoundError();
    const file = await repo.getAttachment(pool, town.id, request.id, idParam(req, 'fileId'));
    if (!file) throw new NotFoundError();
    sendAttachment(res, file);
  });

  return router;
}
