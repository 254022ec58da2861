import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { parisDay } from '../../../lib/calendar/index.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { de, personName } from '../../../lib/french.js';
import * as files from '../../../repositories/family-files.repository.js';
import { urls } from '../../../routes.js';
import {
  adultValues,
  AUTHORISED_SLOTS,
  childValues,
  PAI_ALLERGENS_MAX,
  parseAdultForm,
  parseChildForm,
} from '../../family-files/family-files.schemas.js';
import * as service from '../../family-files/family-files.service.js';
import { idParam } from '../../../lib/params.js';
import { flash, loadFamilyFile } from './load-family.js';

/**
 * The adults and children of a family file in the back-office, and the parents' accounts
 * made for them (Création rapide, its mail sent again). Agents of this town only.
 */
export function membersController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };

  const fileOf = (req: Request) => loadFamilyFile(pool, req);

  // ---------------------------------------------------------------- adults

  function renderAdultForm(
    res: Response,
    family: files.FamilyFile,
    adult: files.FamilyAdultRecord | null,
    values: Record<string, string>,
    errors?: FieldError[],
  ) {
    if (errors) res.status(400);
    res.render('agents/families/adult-form', {
      title: `${adult ? 'Modifier un adulte' : 'Ajouter un adulte'} – Famille ${family.name.toUpperCase()}`,
      family,
      adult,
      values,
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function showNewAdult(req: Request, res: Response) {
    const { family } = await fileOf(req);
    renderAdultForm(res, family, null, {});
  }

  async function addAdult(req: Request, res: Response) {
    const { town, family } = await fileOf(req);
    const form = parseAdultForm(req.body);
    if (!form.ok) return renderAdultForm(res, family, null, form.values, form.errors);
    await service.addAdult(ctx, town, auditActor(req), family.id, form.data);
    flash(req, `${form.data.firstNames} ${form.data.lastName.toUpperCase()} a été ajouté au dossier.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  /** The adult of the URL, within the file of the URL. */
  async function adultOf(req: Request) {
    const { town, family } = await fileOf(req);
    const adult = await files.findAdult(pool, town.id, family.id, idParam(req, 'adultId'));
    if (!adult) throw new NotFoundError('family adult');
    return { town, family, adult };
  }

  async function showAdult(req: Request, res: Response) {
    const { family, adult } = await adultOf(req);
    renderAdultForm(res, family, adult, adultValues(adult));
  }

  async function updateAdult(req: Request, res: Response) {
    const { town, family, adult } = await adultOf(req);
    const form = parseAdultForm(req.body);
    if (!form.ok) return renderAdultForm(res, family, adult, form.values, form.errors);
    await service.updateAdult(ctx, town, auditActor(req), family.id, adult.id, form.data);
    flash(req, 'Les informations de l’adulte ont été modifiées.');
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  // ---------------------------------------------------------------- Création rapide

  function renderPrecreate(res: Response, family: files.FamilyFile, adult: files.FamilyAdultRecord, errors?: FieldError[]) {
    if (errors) res.status(400);
    res.render('agents/families/precreate-confirm', {
      title: `Création rapide – ${adult.firstNames} ${adult.lastName.toUpperCase()}`,
      family,
      adult,
      ...(errors ? { errors } : {}),
    });
  }

  async function showPrecreate(req: Request, res: Response) {
    const { family, adult } = await adultOf(req);
    renderPrecreate(res, family, adult);
  }

  async function precreate(req: Request, res: Response) {
    const { town, family, adult } = await adultOf(req);
    const result = await service.precreateForAdult(ctx, town, auditActor(req), family.id, adult.id);
    switch (result.kind) {
      case 'created':
        flash(
          req,
          `Le compte ${de(personName(adult.firstNames, adult.lastName))} a été créé (nom d'utilisateur : ${result.account.username}). Le courriel de Création rapide part à l'adresse ${result.account.email}.`,
        );
        return res.redirect(303, urls.agentFamily(town, family.id));
      case 'has_account':
        flash(req, 'Cet adulte a déjà un compte : utilisez « Renvoyer le courriel » si besoin.', 'info');
        return res.redirect(303, urls.agentFamily(town, family.id));
      case 'no_email':
        return renderPrecreate(res, family, adult, [
          { field: '', message: "Cet adulte n'a pas d'adresse de courriel : ajoutez-en une avant de créer son compte." },
        ]);
      case 'email_taken':
        return renderPrecreate(res, family, adult, [
          {
            field: '',
            message: `L'adresse ${adult.email} est déjà celle d'un compte de l'Espace Famille : aucun compte n'a été créé. Si ce compte appartient à cet adulte, il peut le rattacher au dossier avec la clé Enfance.`,
          },
        ]);
    }
  }

  async function resendMail(req: Request, res: Response) {
    const { town, family } = await fileOf(req);
    const sent = await service.resendForAccount(ctx, town, auditActor(req), family.id, idParam(req, 'accountId'));
    if (sent)
      flash(
        req,
        'Un nouveau courriel de Création rapide est parti ; le lien et le mot de passe provisoire précédents ne fonctionnent plus.',
      );
    else flash(req, "Ce compte n'attend plus de courriel de Création rapide : son titulaire a déjà choisi son mot de passe.", 'info');
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  // ---------------------------------------------------------------- children

  function renderChildForm(
    res: Response,
    family: files.FamilyFile,
    child: files.ChildFile | null,
    values: Record<string, string>,
    errors?: FieldError[],
    dateErrorFields: string[] = [],
  ) {
    if (errors) res.status(400);
    res.render('agents/families/child-form', {
      title: `${child ? 'Modifier un enfant' : 'Ajouter un enfant'} – Famille ${family.name.toUpperCase()}`,
      family,
      child,
      values,
      slots: AUTHORISED_SLOTS,
      paiAllergensMax: PAI_ALLERGENS_MAX,
      dateErrorFields,
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function showNewChild(req: Request, res: Response) {
    const { family } = await fileOf(req);
    renderChildForm(res, family, null, { nom: family.name });
  }

  async function addChild(req: Request, res: Response) {
    const { town, family } = await fileOf(req);
    const { form, dateErrorFields } = parseChildForm(req.body, parisDay(clock.now()));
    if (!form.ok) return renderChildForm(res, family, null, form.values, form.errors, dateErrorFields);
    await service.addChild(ctx, town, auditActor(req), family.id, form.data);
    flash(req, `${form.data.firstNames} a été ajouté au dossier.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  /** The child of the URL, within the file of the URL. */
  async function childOf(req: Request) {
    const { town, family } = await fileOf(req);
    const child = await files.findChildFile(pool, town.id, family.id, idParam(req, 'childId'));
    if (!child) throw new NotFoundError('child');
    return { town, family, child };
  }

  async function showChild(req: Request, res: Response) {
    const { family, child } = await childOf(req);
    renderChildForm(res, family, child, childValues(child));
  }

  async function updateChild(req: Request, res: Response) {
    const { town, family, child } = await childOf(req);
    const { form, dateErrorFields } = parseChildForm(req.body, parisDay(clock.now()));
    if (!form.ok) return renderChildForm(res, family, child, form.values, form.errors, dateErrorFields);
    await service.updateChild(ctx, town, auditActor(req), family.id, child.id, form.data);
    flash(req, `Le dossier ${de(form.data.firstNames)} a été modifié.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  return {
    showNewAdult,
    addAdult,
    showAdult,
    updateAdult,
    showPrecreate,
    precreate,
    resendMail,
    showNewChild,
    addChild,
    showChild,
    updateChild,
  };
}
