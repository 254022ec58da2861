import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { auditActor } from '../../lib/audit.js';
import { parisDay } from '../../lib/date-input.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, type FieldError } from '../../lib/forms.js';
import { dayLabel, de, personName } from '../../lib/french.js';
import { requireAgent } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';
import * as files from '../../repositories/family-files.repository.js';
import { listServices, type Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { renderCleEnfanceLetter } from './cle-enfance-letter.js';
import {
  adultValues,
  AUTHORISED_SLOTS,
  childValues,
  familyValues,
  parseAdultForm,
  parseChildForm,
  parseFamilyForm,
  parseSearch,
} from './family-files.schemas.js';
import * as service from './family-files.service.js';
import { UUID } from '../../lib/ids.js';

export const PAGE_SIZE = 20;

/** An id from the URL: anything but a UUID is an unknown page (and never reaches SQL as one). */
export function idParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError(`bad ${name}`);
  return value.toLowerCase();
}

function flash(req: Request, message: string, kind: 'success' | 'info' | 'warning' = 'success') {
  req.session.flash = { kind, message };
}

const civilityShort = (c: 'M' | 'Mme') => (c === 'M' ? 'M.' : 'Mme');

/**
 * Family files in the back-office: list and search, the file with its adults and children,
 * the forms that change them, the Clé Enfance (regeneration and letter) and Création rapide.
 * Every route: agents of this town only (404 for anyone else), objects of this town only.
 */
export function familyFilesRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };
  const router = Router();

  async function loadFile(req: Request, town: Town) {
    const family = await files.findFamilyFile(pool, town.id, idParam(req, 'familyId'));
    if (!family) throw new NotFoundError('family file');
    return family;
  }

  // ---------------------------------------------------------------- list and search

  router.get('/agents/familles', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const { q, page } = parseSearch(req.query);
    const { rows, total } = await files.searchFamilies(pool, town.id, q, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    res.render('agents/families/list', {
      title: q ? `Familles – recherche « ${q} »${page > 1 ? ` – page ${page}` : ''}` : `Familles${page > 1 ? ` – page ${page}` : ''}`,
      q,
      page,
      pages,
      total,
      rows,
      values: { q },
    });
  });

  // ---------------------------------------------------------------- create and edit the file

  router.get('/agents/familles/nouveau', requireAgent, (_req, res) => {
    res.render('agents/families/family-form', { title: 'Créer un dossier famille', family: null, values: {} });
  });

  function renderFamilyForm(res: Response, family: files.FamilyFile | null, errors: FieldError[], values: Record<string, string>) {
    res.status(400).render('agents/families/family-form', {
      title: family ? `Modifier le dossier famille ${family.name.toUpperCase()}` : 'Créer un dossier famille',
      family,
      errors,
      fieldErrors: errorMap(errors),
      values,
    });
  }

  const refTakenError = (other: { name: string }): FieldError => ({
    field: 'reference',
    message: `Cette référence est déjà celle du dossier famille ${other.name.toUpperCase()} : saisissez-en une autre`,
  });

  router.post('/agents/familles/nouveau', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const form = parseFamilyForm(req.body);
    if (!form.ok) return renderFamilyForm(res, null, form.errors, form.values);
    const result = await service.createFamily(ctx, town, auditActor(req), form.data);
    if (result.kind === 'ref_taken') return renderFamilyForm(res, null, [refTakenError(result.other)], familyValues(form.data));
    flash(req, 'Le dossier famille a été créé, avec sa clé Enfance.');
    res.redirect(303, urls.agentFamily(town, result.id));
  });

  router.get('/agents/familles/:familyId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const [adults, children] = await Promise.all([
      files.listFileAdults(pool, town.id, family.id),
      files.listChildFiles(pool, town.id, family.id),
    ]);
    res.render('agents/families/file', { title: `Dossier famille ${family.name.toUpperCase()}`, family, adults, children });
  });

  router.get('/agents/familles/:familyId/modifier', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    res.render('agents/families/family-form', {
      title: `Modifier le dossier famille ${family.name.toUpperCase()}`,
      family,
      values: familyValues(family),
    });
  });

  router.post('/agents/familles/:familyId/modifier', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const form = parseFamilyForm(req.body);
    if (!form.ok) return renderFamilyForm(res, family, form.errors, form.values);
    const result = await service.updateFamily(ctx, town, auditActor(req), family.id, form.data);
    if (result.kind === 'ref_taken') return renderFamilyForm(res, family, [refTakenError(result.other)], familyValues(form.data));
    flash(req, 'Le dossier famille a été modifié.');
    res.redirect(303, urls.agentFamily(town, family.id));
  });

  // ---------------------------------------------------------------- Clé Enfance

  router.get('/agents/familles/:familyId/cle-enfance', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    res.render('agents/families/key-confirm', { title: `Nouvelle clé Enfance – Famille ${family.name.toUpperCase()}`, family });
  });

  router.post('/agents/familles/:familyId/cle-enfance', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const key = await service.regenerateKey(ctx, town, auditActor(req), family.id);
    flash(req, `La nouvelle clé Enfance est ${key}. L'ancienne ne fonctionne plus : imprimez le courrier pour la famille.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  });

  router.get('/agents/familles/:familyId/courrier-cle-enfance.pdf', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const familyId = idParam(req, 'familyId');
    const family = await service.fileForLetter(ctx, town, auditActor(req), familyId);
    const [adults, services] = await Promise.all([files.listFileAdults(pool, town.id, family.id), listServices(pool, town.id)]);
    const now = clock.now();
    const pdf = await renderCleEnfanceLetter({
      townName: town.name,
      townUrl: absoluteUrl(config.publicBaseUrl, urls.townHome(town)),
      familyName: family.name,
      recipients: adults.map((a) => `${civilityShort(a.civility)} ${a.firstNames} ${a.lastName.toUpperCase()}`),
      addressLine: family.addressLine,
      postalCode: family.postalCode,
      city: family.city,
      cleEnfance: family.cleEnfance,
      date: dayLabel(parisDay(now), { weekday: false, year: true }),
      createdAt: now,
      services,
    });
    // A download, never rendered by the browser in the app's origin; the name is ours, not typed.
    const fileName = `cle-enfance-${
      family.name
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 60) || 'famille'
    }.pdf`;
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    res.setHeader('Content-Length', String(pdf.length));
    res.end(pdf);
  });

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

  router.get('/agents/familles/:familyId/adultes/nouveau', requireAgent, async (req, res) => {
    const town = requireTown(req);
    renderAdultForm(res, await loadFile(req, town), null, {});
  });

  router.post('/agents/familles/:familyId/adultes/nouveau', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const form = parseAdultForm(req.body);
    if (!form.ok) return renderAdultForm(res, family, null, form.values, form.errors);
    await service.addAdult(ctx, town, auditActor(req), family.id, form.data);
    flash(req, `${form.data.firstNames} ${form.data.lastName.toUpperCase()} a été ajouté au dossier.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  });

  async function loadAdult(req: Request, town: Town, family: files.FamilyFile) {
    const adult = await files.findAdult(pool, town.id, family.id, idParam(req, 'adultId'));
    if (!adult) throw new NotFoundError('family adult');
    return adult;
  }

  router.get('/agents/familles/:familyId/adultes/:adultId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const adult = await loadAdult(req, town, family);
    renderAdultForm(res, family, adult, adultValues(adult));
  });

  router.post('/agents/familles/:familyId/adultes/:adultId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const adult = await loadAdult(req, town, family);
    const form = parseAdultForm(req.body);
    if (!form.ok) return renderAdultForm(res, family, adult, form.values, form.errors);
    await service.updateAdult(ctx, town, auditActor(req), family.id, adult.id, form.data);
    flash(req, 'Les informations de l’adulte ont été modifiées.');
    res.redirect(303, urls.agentFamily(town, family.id));
  });

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

  router.get('/agents/familles/:familyId/adultes/:adultId/creation-rapide', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    renderPrecreate(res, family, await loadAdult(req, town, family));
  });

  router.post('/agents/familles/:familyId/adultes/:adultId/creation-rapide', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const adult = await loadAdult(req, town, family);
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
  });

  router.post('/agents/familles/:familyId/comptes/:accountId/renvoyer-courriel', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const sent = await service.resendForAccount(ctx, town, auditActor(req), family.id, idParam(req, 'accountId'));
    if (sent)
      flash(
        req,
        'Un nouveau courriel de Création rapide est parti ; le lien et le mot de passe provisoire précédents ne fonctionnent plus.',
      );
    else flash(req, "Ce compte n'attend plus de courriel de Création rapide : son titulaire a déjà choisi son mot de passe.", 'info');
    res.redirect(303, urls.agentFamily(town, family.id));
  });

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
      dateErrorFields,
      ...(errors ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  router.get('/agents/familles/:familyId/enfants/nouveau', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    renderChildForm(res, family, null, { nom: family.name });
  });

  router.post('/agents/familles/:familyId/enfants/nouveau', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const { form, dateErrorFields } = parseChildForm(req.body, parisDay(clock.now()));
    if (!form.ok) return renderChildForm(res, family, null, form.values, form.errors, dateErrorFields);
    await service.addChild(ctx, town, auditActor(req), family.id, form.data);
    flash(req, `${form.data.firstNames} a été ajouté au dossier.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  });

  async function loadChild(req: Request, town: Town, family: files.FamilyFile) {
    const child = await files.findChildFile(pool, town.id, family.id, idParam(req, 'childId'));
    if (!child) throw new NotFoundError('child');
    return child;
  }

  router.get('/agents/familles/:familyId/enfants/:childId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const child = await loadChild(req, town, family);
    renderChildForm(res, family, child, childValues(child));
  });

  router.post('/agents/familles/:familyId/enfants/:childId', requireAgent, async (req, res) => {
    const town = requireTown(req);
    const family = await loadFile(req, town);
    const child = await loadChild(req, town, family);
    const { form, dateErrorFields } = parseChildForm(req.body, parisDay(clock.now()));
    if (!form.ok) return renderChildForm(res, family, child, form.values, form.errors, dateErrorFields);
    await service.updateChild(ctx, town, auditActor(req), family.id, child.id, form.data);
    flash(req, `Le dossier ${de(form.data.firstNames)} a été modifié.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  });

  return router;
}
