import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatBusinessHours } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { getAccountPhoto } from '../../../repositories/accounts.repository.js';
import { urls } from '../../../routes.js';
import * as service from '../activation.service.js';
import { linkFamilySchema, pageNumber, REFUSAL_MAX, refuseSchema, searchText } from '../back-office.schemas.js';
import { isUuid } from '../../../lib/ids.js';
import { de } from '../../../lib/french.js';

const ALREADY_DECIDED = { kind: 'warning', message: 'Ce compte a déjà été traité : il ne peut plus être activé ni refusé.' } as const;

/**
 * Accounts to activate (issue 4): the list against the town's promise, the detail of what
 * the parent entered, and the two decisions. Agents of this town only (requireAgent), and
 * every id is looked up within the town: anything else is the same 404.
 */
export function accountsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };

  const fullName = (a: { firstNames: string; lastName: string }) => `${a.firstNames} ${a.lastName.toLocaleUpperCase('fr-FR')}`;

  async function showList(req: Request, res: Response) {
    const town = requireTown(req);
    const q = searchText(req.query.q);
    const list = await service.accountsToActivate(ctx, town, q, pageNumber(req.query.page));
    res.render('agents/accounts/list', {
      title: list.page > 1 ? `Comptes à activer (page ${list.page} sur ${list.pages})` : 'Comptes à activer',
      q,
      list,
      lateCount: list.confirmed.filter((a) => a.status?.late).length,
      fullName,
      businessHours: formatBusinessHours,
    });
  }

  async function renderDetail(
    req: Request,
    res: Response,
    status: number,
    extra: { errors?: FieldError[]; values?: Record<string, string>; famille?: string } = {},
  ) {
    const town = requireTown(req);
    const detail = await service.accountDetail(ctx, town, req.params.accountId);
    const famille = extra.famille ?? searchText(req.query.famille);
    const awaiting = detail.account.validationStatus === 'awaiting_services';
    const choices = awaiting ? await service.familyChoices(ctx, town, detail.account, famille) : { searched: false, families: [] };
    const errors = extra.errors ?? [];
    res.status(status).render('agents/accounts/show', {
      title: `Compte ${de(fullName(detail.account))}`,
      ...detail,
      awaiting,
      famille,
      choices,
      newFamily: service.familyFromAccount(detail.account),
      fullName,
      businessHours: formatBusinessHours,
      refusalMax: REFUSAL_MAX,
      errors,
      fieldErrors: errorMap(errors),
      values: extra.values ?? {},
    });
  }

  const showDetail = (req: Request, res: Response) => renderDetail(req, res, 200);

  /** The photo chosen in the wizard, for agents only; never cached. */
  async function servePhoto(req: Request, res: Response) {
    const town = requireTown(req);
    const id = req.params.accountId;
    const photo = isUuid(id) ? await getAccountPhoto(pool, town.id, id) : undefined;
    if (!photo) throw new NotFoundError('no photo');
    res.setHeader('Content-Type', photo.type);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(photo.content);
  }

  async function activate(req: Request, res: Response) {
    const town = requireTown(req);
    // The account first: another town's id is a 404 whatever the form says.
    const { account } = await service.accountDetail(ctx, town, req.params.accountId);
    const body = formValues(req.body);
    let choice: service.FamilyChoiceInput;
    if (body.choix === 'nouveau') {
      choice = { kind: 'new' };
    } else {
      const form = parseForm(linkFamilySchema, req.body);
      if (!form.ok) {
        return renderDetail(req, res, 400, { errors: form.errors, values: form.values, famille: searchText(body.famille) });
      }
      choice = { kind: 'existing', familyId: form.data.dossier };
    }
    const result = await service.validateAccount(ctx, town, account.id, choice, auditActor(req));
    if (result.kind === 'validated') {
      const f = result.family;
      const created = f.created ? ` (nouveau dossier, clé Enfance ${f.cleEnfance})` : '';
      const message = `Le compte ${de(fullName(account))} est activé et rattaché au dossier famille ${f.name}${created}. Un courriel en informe le parent.`;
      req.session.flash = { kind: 'success', message };
      return res.redirect(303, urls.agentAccounts(town));
    }
    req.session.flash = ALREADY_DECIDED;
    res.redirect(303, urls.agentAccount(town, account.id));
  }

  async function refuse(req: Request, res: Response) {
    const town = requireTown(req);
    const { account } = await service.accountDetail(ctx, town, req.params.accountId);
    const form = parseForm(refuseSchema, req.body);
    if (!form.ok) return renderDetail(req, res, 400, { errors: form.errors, values: form.values });
    const result = await service.refuseAccount(ctx, town, account.id, form.data.motif, auditActor(req));
    if (result.kind === 'refused') {
      const message = `Le compte ${de(fullName(account))} est refusé. Un courriel en donne le motif au parent.`;
      req.session.flash = { kind: 'success', message };
      return res.redirect(303, urls.agentAccounts(town));
    }
    req.session.flash = ALREADY_DECIDED;
    res.redirect(303, urls.agentAccount(town, account.id));
  }

  return { showList, showDetail, servePhoto, activate, refuse };
}
