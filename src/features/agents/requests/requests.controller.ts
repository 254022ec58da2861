import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { findAccountById } from '../../../repositories/accounts.repository.js';
import { familyContext } from '../../../repositories/family-members.repository.js';
import * as repo from '../../../repositories/requests.repository.js';
import { urls } from '../../../routes.js';
import { nextStatuses, STATUS_LABELS } from '../../requests/request-state.js';
import { requestDetails, TYPE_LABELS } from '../../requests/request-types.js';
import { pageParam } from '../../../lib/params.js';
import {
  AGENT_ACTIONS,
  agentActionSchema,
  agentMessageSchema,
  messageFormLocals,
  parseMessageWithFiles,
} from '../../requests/requests.schemas.js';
import * as service from '../../requests/requests.service.js';
import { idParam } from '../../../lib/params.js';
import { queueFilters, queueSummary, STATUS_FILTERS, TYPE_OPTIONS } from './request-queue.js';
import type { ServiceContext } from '../../../deps.js';

const PAGE_SIZE = 50;

/**
 * The back-office's requests: the queue per type and status, oldest first, with filters;
 * a request with its family's context (never the parent's private documents: this router
 * cannot reach them); the actions the state machine allows; messages to the family. Agents
 * of this town only (404 for anyone else); every action is audited.
 */
export function requestsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function showQueue(req: Request, res: Response) {
    const town = requireTown(req);
    const page = pageParam(req);
    const { values, filters } = queueFilters(req.query);
    const [{ rows, total }, counts] = await Promise.all([
      repo.listQueue(pool, town.id, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE),
      repo.countByTypeAndStatus(pool, town.id),
    ]);
    res.render('agents/requests/index', {
      title: 'Demandes',
      requests: rows,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      values,
      summary: queueSummary(counts),
      statusFilters: STATUS_FILTERS,
      typeOptions: TYPE_OPTIONS,
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
      now: clock.now(),
    });
  }

  async function renderDetail(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; filesForgotten?: boolean },
  ) {
    const town = requireTown(req);
    const request = await repo.findRequest(pool, town.id, idParam(req, 'id'));
    if (!request) throw new NotFoundError();
    const [events, messages, family, author] = await Promise.all([
      repo.listEvents(pool, town.id, request.id),
      repo.listMessages(pool, town.id, request.id),
      request.familyId ? familyContext(pool, town.id, request.familyId) : undefined,
      request.accountId ? findAccountById(pool, town.id, request.accountId) : undefined,
    ]);
    res.status(status).render('agents/requests/show', {
      title: `Demande : ${request.summary}`,
      request,
      events,
      messages,
      family,
      author,
      details: requestDetails(request.type, request.payload),
      next: nextStatuses(request.status, 'agent'),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
      ...messageFormLocals(form),
      filesForgotten: form.filesForgotten ?? false,
    });
  }

  const showDetail = (req: Request, res: Response) => renderDetail(req, res, 200, {});

  async function changeStatus(req: Request, res: Response) {
    const town = requireTown(req);
    const id = idParam(req, 'id');
    const form = parseForm(agentActionSchema, req.body);
    if (!form.ok) return renderDetail(req, res, 400, { errors: form.errors, values: form.values });
    const to = AGENT_ACTIONS[form.data.action];
    const comment = to === 'refused' ? form.data.motif : to === 'complement_requested' ? form.data.complement : '';
    const result = await service.agentTransition(ctx, town, auditActor(req), id, to, comment);
    if (!result.ok) {
      const field = result.problem === 'comment_required' ? (to === 'refused' ? 'motif' : 'complement') : 'action';
      // A stale page (another agent decided first) gets 409: the page shown is the current one.
      return renderDetail(req, res, result.problem === 'not_allowed' ? 409 : 400, {
        errors: [{ field: result.problem === 'not_allowed' ? '' : field, message: result.message }],
        values: { motif: form.data.motif, complement: form.data.complement },
      });
    }
    req.session.flash = { kind: 'success', message: `Demande « ${STATUS_LABELS[to]} ». La famille en est informée par courriel.` };
    res.redirect(303, urls.agentRequest(town, id));
  }

  /** The request must exist in this town before multer reads a byte. */
  async function requestInTown(req: Request, _res: Response, next: NextFunction) {
    const town = requireTown(req);
    if (!(await repo.findRequest(pool, town.id, idParam(req, 'id')))) throw new NotFoundError();
    next();
  }

  async function postMessage(req: Request, res: Response) {
    const town = requireTown(req);
    const id = idParam(req, 'id');
    const form = parseMessageWithFiles(agentMessageSchema, req.body, req.uploads);
    if (!form.ok) return renderDetail(req, res, form.status, { errors: form.errors, values: form.values, filesForgotten: true });
    await service.postAgentMessage(ctx, town, auditActor(req), id, form.message, form.files);
    req.session.flash = { kind: 'success', message: 'Votre message a été envoyé à la famille, qui en est avertie par courriel.' };
    res.redirect(303, `${urls.agentRequest(town, id)}#echanges`);
  }

  async function serveAttachment(req: Request, res: Response) {
    const town = requireTown(req);
    const request = await repo.findRequest(pool, town.id, idParam(req, 'id'));
    if (!request) throw new NotFoundError();
    const file = await repo.getAttachment(pool, town.id, request.id, idParam(req, 'fileId'));
    if (!file) throw new NotFoundError();
    sendAttachment(res, file);
  }

  return { showQueue, showDetail, changeStatus, requestInTown, postMessage, serveAttachment };
}
