import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { shortDate } from '../../../lib/calendar/index.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { describePolicy, PASSWORD_MAX_LENGTH } from '../../../lib/passwords.js';
import { requireTown } from '../../../middleware/town.js';
import * as settings from '../../../repositories/settings.repository.js';
import { currentText, listServices, type Town } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import {
  accountsFormSchema,
  ACTIVATION_DELAY_MAX_HOURS,
  closureFormSchema,
  POLICY_MAX_LENGTH,
  POLICY_MIN_LENGTH,
  townFormSchema,
} from '../../settings/settings.schemas.js';
import * as service from '../../settings/settings.service.js';
import { param } from '../../../lib/params.js';
import { CLOSURE_KINDS, colourPreview } from './settings-pages.js';
import type { ServiceContext } from '../../../deps.js';

/**
 * The town's settings, for its admins only (requireAdmin: everyone else gets the 404 of
 * an unknown page). Each form re-renders with 400 and the typed values on an error, and
 * redirects (303) to the page with a message once saved.
 */
export function settingsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  const flash = (req: Request, message: string) => {
    req.session.flash = { kind: 'success', message };
  };

  // ---------------------------------------------------------------- overview

  async function showOverview(req: Request, res: Response) {
    const town = requireTown(req);
    const [services, closures, cgu, mentions] = await Promise.all([
      listServices(pool, town.id),
      settings.listTownClosures(pool, town.id),
      currentText(pool, town.id, 'cgu'),
      currentText(pool, town.id, 'mentions_legales'),
    ]);
    res.render('agents/settings/index', {
      title: 'Paramètres de la commune',
      preview: colourPreview(undefined, town.colour),
      policy: describePolicy(town.passwordPolicy),
      services,
      closureCount: closures.filter((c) => c.kind === 'closure').length,
      holidayCount: closures.filter((c) => c.kind === 'school_holiday').length,
      cgu,
      mentions,
    });
  }

  // ---------------------------------------------------------------- name, colour, welcome text

  function renderTown(
    res: Response,
    town: Town,
    status: number,
    errors: FieldError[],
    values: Record<string, string>,
    previewOnly = false,
  ) {
    res.status(status).render('agents/settings/town', {
      title: 'Nom, couleur et accueil',
      errors,
      fieldErrors: errorMap(errors),
      values,
      preview: colourPreview(values.couleur, town.colour),
      previewOnly,
    });
  }

  function showTown(req: Request, res: Response) {
    const town = requireTown(req);
    renderTown(res, town, 200, [], { nom: town.name, couleur: town.colour, accueil: town.welcomeText });
  }

  async function saveTown(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(townFormSchema, req.body);
    if (!form.ok) return renderTown(res, town, 400, form.errors, form.values);
    // "Voir l'aperçu": the same checks, nothing saved, the typed values shown again.
    if (req.body?.action === 'apercu') {
      return renderTown(res, town, 200, [], { nom: form.data.nom, couleur: form.data.couleur, accueil: form.data.accueil }, true);
    }
    const changes = await service.updateTownIdentity(ctx, town, auditActor(req), {
      name: form.data.nom,
      colour: form.data.couleur,
      welcomeText: form.data.accueil,
    });
    flash(
      req,
      Object.keys(changes).length ? 'Le nom, la couleur et le texte d’accueil ont été enregistrés.' : 'Aucune modification à enregistrer.',
    );
    res.redirect(303, urls.agentSettings(town));
  }

  // ---------------------------------------------------------------- passwords and activation

  function renderPasswords(res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    res.status(status).render('agents/settings/passwords', {
      title: 'Mots de passe et activation des comptes',
      errors,
      fieldErrors: errorMap(errors),
      values,
      bounds: { min: POLICY_MIN_LENGTH, max: POLICY_MAX_LENGTH, absoluteMax: PASSWORD_MAX_LENGTH, delayMax: ACTIVATION_DELAY_MAX_HOURS },
    });
  }

  function showPasswords(req: Request, res: Response) {
    const town = requireTown(req);
    const p = town.passwordPolicy;
    const box = (on: boolean) => (on ? 'oui' : '');
    renderPasswords(res, 200, [], {
      longueurMin: String(p.minLength),
      majuscule: box(p.upper),
      minuscule: box(p.lower),
      chiffre: box(p.digit),
      delaiActivation: String(town.activationDelayHours),
    });
  }

  async function savePasswords(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(accountsFormSchema, req.body);
    if (!form.ok) return renderPasswords(res, 400, form.errors, form.values);
    const d = form.data;
    const changes = await service.updateAccountRules(ctx, town, auditActor(req), {
      passwordPolicy: { minLength: d.longueurMin, upper: d.majuscule, lower: d.minuscule, digit: d.chiffre },
      activationDelayHours: d.delaiActivation,
    });
    flash(
      req,
      Object.keys(changes).length
        ? 'Les règles des mots de passe et le délai d’activation ont été enregistrés.'
        : 'Aucune modification à enregistrer.',
    );
    res.redirect(303, urls.agentSettings(town));
  }

  // ---------------------------------------------------------------- calendar

  async function renderCalendar(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const town = requireTown(req);
    const periods = await settings.listTownClosures(pool, town.id);
    res.status(status).render('agents/settings/calendar', {
      title: 'Fermetures et vacances scolaires',
      errors,
      fieldErrors: errorMap(errors),
      values,
      kinds: CLOSURE_KINDS,
      closures: periods.filter((p) => p.kind === 'closure'),
      holidays: periods.filter((p) => p.kind === 'school_holiday'),
    });
  }

  async function showCalendar(req: Request, res: Response) {
    await renderCalendar(req, res, 200, [], { type: 'closure' });
  }

  async function addClosure(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(closureFormSchema, req.body);
    if (!form.ok) return renderCalendar(req, res, 400, form.errors, form.values);
    const d = form.data;
    await service.addClosure(ctx, town, auditActor(req), { kind: d.type, label: d.libelle, startDate: d.du, endDate: d.au });
    const what = d.type === 'closure' ? 'La fermeture' : 'La période de vacances';
    flash(req, `${what} « ${d.libelle} » du ${shortDate(d.du)} au ${shortDate(d.au)} a été ajoutée.`);
    res.redirect(303, urls.agentSettingsCalendar(town));
  }

  async function removeClosure(req: Request, res: Response) {
    const town = requireTown(req);
    const removed = await service.removeClosure(ctx, town, auditActor(req), param(req, 'closureId'));
    flash(req, `La période « ${removed.label} » du ${shortDate(removed.startDate)} au ${shortDate(removed.endDate)} a été supprimée.`);
    res.redirect(303, urls.agentSettingsCalendar(town));
  }

  return { showOverview, showTown, saveTown, showPasswords, savePasswords, showCalendar, addClosure, removeClosure };
}
