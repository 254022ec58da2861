import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as repo from '../../../repositories/group-messages.repository.js';
import { urls } from '../../../routes.js';
import * as service from '../../group-messages/group-messages.service.js';
import { groupMessageSchema, TARGET_KINDS } from './messages.schemas.js';

/**
 * Messages to a group of families, for every agent of the town (as ACTUALITÉS): the list of
 * messages sent, the form with its preview of the recipients, and one message with its
 * recipients. The rules and the sending are in src/features/group-messages/.
 */
export function messagesController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    res.render('agents/messages/list', { title: 'Messages aux familles', messages: await repo.listGroupMessages(pool, town.id, 200) });
  }

  async function renderForm(
    req: Request,
    res: Response,
    status: number,
    options: { errors: FieldError[]; values: Record<string, unknown>; recipients?: repo.RecipientFamily[]; notice?: string },
  ) {
    const town = requireTown(req);
    const targets = await service.targetOptions(pool, town.id);
    res.status(status).render('agents/messages/form', {
      title: 'Écrire aux familles',
      kinds: TARGET_KINDS,
      targets: [{ value: '', label: 'Choisissez dans la liste' }, ...targets],
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
      recipients: options.recipients ?? null,
      notice: options.notice ?? null,
    });
  }

  async function showNew(req: Request, res: Response) {
    await renderForm(req, res, 200, { errors: [], values: { quand: 'jour' } });
  }

  async function submit(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(groupMessageSchema, req.body);
    if (!form.ok) return renderForm(req, res, 400, { errors: form.errors, values: form.values });
    const f = form.data;
    const values: Record<string, unknown> = { ...f };
    const target = await service.resolveTarget(pool, town.id, f.cible);
    if (!target) {
      return renderForm(req, res, 400, {
        errors: [{ field: 'cible', message: 'Choisissez dans la liste l’activité, le site, l’école ou la classe' }],
        values,
      });
    }
    const audience: service.Audience = { target, dates: f.quand === 'jour' ? 'day' : 'period', first: f.first, last: f.last };
    if (f.action === 'envoyer') {
      const sent = await service.sendGroupMessage(ctx, town, auditActor(req), audience, { subject: f.objet, body: f.texte }, f.seen);
      if (sent.ok) {
        req.session.flash = {
          kind: 'success',
          message: `Votre message « ${f.objet} » a été envoyé à ${sent.families} famille${sent.families > 1 ? 's' : ''}.`,
        };
        return res.redirect(303, urls.agentMessage(town, sent.id));
      }
      return renderForm(req, res, 200, {
        errors: [],
        values,
        recipients: sent.recipients,
        notice:
          sent.recipients.length === 0 ? '' : 'La liste des familles a changé depuis votre prévisualisation : vérifiez-la avant d’envoyer.',
      });
    }
    const recipients = await service.previewRecipients(pool, town.id, audience);
    return renderForm(req, res, 200, { errors: [], values, recipients });
  }

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const id = idParam(req, 'messageId');
    const message = await repo.findGroupMessage(pool, town.id, id);
    if (!message) throw new NotFoundError('group message of another town');
    res.render('agents/messages/show', {
      title: `Message « ${message.subject} »`,
      message,
      datesWords: service.datesWords({ first: message.firstDay, last: message.lastDay }),
      recipients: await repo.listRecipients(pool, town.id, id),
    });
  }

  return { list, showNew, submit, show };
}
