import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import type { FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import * as repo from '../../repositories/requests.repository.js';
import { urls } from '../../routes.js';
import { pageCount, readParentMessage } from './parent-message.js';
import { idParam, pageParam } from '../../lib/params.js';
import { STATUS_LABELS } from './request-state.js';
import { requestDetails, TYPE_LABELS } from './request-types.js';
import { messageFormLocals } from './requests.schemas.js';
import * as service from './requests.service.js';
import type { ServiceContext } from '../../deps.js';

const PAGE_SIZE = 20;

/**
 * The parent's side of requests: "Dernières demandes", a request's detail with its history
 * and conversation, the answer to a "Complément demandé", and "Échanges à lire". Lists are
 * read from the repository directly (read-only pages); a request the parent may not see is
 * a 404 (openForParent, findRequestForParent).
 */
export function requestsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function showList(req: Request, res: Response) {
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
      pages: pageCount(total, PAGE_SIZE),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
    });
  }

  async function showInbox(req: Request, res: Response) {
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
      pages: pageCount(total, PAGE_SIZE),
      statusLabels: STATUS_LABELS,
    });
  }

  async function renderDetail(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string> },
  ) {
    const view = await service.openForParent(ctx, requireTown(req), req.account!, idParam(req, 'id'));
    res.status(status).render('requests/show', {
      title: `Demande : ${view.request.summary}`,
      ...view,
      details: requestDetails(view.request.type, view.request.payload),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
      ...messageFormLocals(form),
      filesForgotten: status !== 200,
    });
  }

  async function showRequest(req: Request, res: Response) {
    await renderDetail(req, res, 200, {});
  }

  /** Before multer reads a byte: the request must be the parent's (404 otherwise), and messages are rate-limited. */
  async function beforeMessage(req: Request, _res: Response, next: NextFunction) {
    const found = await repo.findRequestForParent(pool, requireTown(req).id, service.scopeOf(req.account!), idParam(req, 'id'));
    if (!found) throw new NotFoundError();
    await service.rateLimitRequests(ctx, req.account!.id, 'message');
    next();
  }

  async function postMessage(req: Request, res: Response) {
    const town = requireTown(req);
    const id = idParam(req, 'id');
    const uploads = req.uploads ?? { files: [], received: 0 };
    const form = readParentMessage(req.body, uploads);
    if (!form.ok) return renderDetail(req, res, form.status, { errors: form.errors, values: form.values });
    const result = await service.postParentMessage(ctx, town, req.account!, id, form.message, uploads.files);
    req.session.flash = {
      kind: 'success',
      message:
        result.kind === 'answer'
          ? 'Votre réponse a été transmise aux services : votre demande est de nouveau en cours de traitement.'
          : 'Votre message a été envoyé aux services.',
    };
    res.redirect(303, `${urls.request(town, id)}#echanges`);
  }

  async function serveAttachment(req: Request, res: Response) {
    const town = requireTown(req);
    const request = await repo.findRequestForParent(pool, town.id, service.scopeOf(req.account!), idParam(req, 'id'));
    if (!request) throw new NotFoundError();
    const file = await repo.getAttachment(pool, town.id, request.id, idParam(req, 'fileId'));
    if (!file) throw new NotFoundError();
    sendAttachment(res, file);
  }

  return { showList, showInbox, showRequest, beforeMessage, postMessage, serveAttachment };
}
