import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { auditActor } from '../../lib/audit.js';
import { contrastWithWhite, formatRatio, MIN_CONTRAST_WITH_WHITE, normaliseHexColour } from '../../lib/contrast.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, formValues, parseForm, type FieldError } from '../../lib/forms.js';
import { describePolicy, PASSWORD_MAX_LENGTH } from '../../lib/passwords.js';
import { requireAdmin } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';
import * as settings from '../../repositories/settings.repository.js';
import { currentText, listServices, type Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import {
  accountsFormSchema,
  ACTIVATION_DELAY_MAX_HOURS,
  closureFormSchema,
  moveSchema,
  POLICY_MAX_LENGTH,
  POLICY_MIN_LENGTH,
  serviceFormSchema,
  textFormSchema,
  townFormSchema,
} from './settings.schemas.js';
import * as service from './settings.service.js';

/**
 * The town's settings, for its admins only (requireAdmin: everyone else gets the 404 of
 * an unknown page). Each form re-renders with 400 and the typed values on an error, and
 * redirects (303) to the page with a message once saved.
 */

type TextSlug = 'cgu' | 'mentions-legales';
const TEXTS: Record<TextSlug, { kind: settings.TextKind; name: string; the: string; hint: string }> = {
  cgu: {
    kind: 'cgu',
    name: "Conditions générales d'utilisation",
    the: "les conditions générales d'utilisation",
    hint: 'Chaque parent devra accepter la nouvelle version à sa prochaine connexion.',
  },
  'mentions-legales': {
    kind: 'mentions_legales',
    name: 'Mentions légales',
    the: 'les mentions légales',
    hint: 'La nouvelle version remplace l’ancienne sur la page « Mentions légales » du portail.',
  },
};

const CLOSURE_KINDS = [
  { value: 'closure', label: 'Fermeture des services (ces jours ne comptent pas dans le délai d’activation)' },
  { value: 'school_holiday', label: 'Vacances scolaires (les réservations suivent ces périodes)' },
];

/** 2026-12-21 → 21/12/2026, for a typed value to show again. */
function frenchDay(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** What the preview shows for a colour: its contrast with white, in words as well as the swatch. */
function colourPreview(typed: string | undefined, fallback: string) {
  const colour = (typed && normaliseHexColour(typed)) || fallback;
  const ratio = contrastWithWhite(colour);
  return { colour, ratio: formatRatio(ratio), ok: ratio >= MIN_CONTRAST_WITH_WHITE };
}

export function agentsSettingsRouter(deps: AppDeps): Router {
  const { pool, clock } = deps;
  const ctx: service.SettingsContext = { pool, clock };
  const router = Router();

  const param = (req: Request, name: string): string => {
    const v = req.params[name];
    return typeof v === 'string' ? v : '';
  };

  const flash = (req: Request, message: string) => {
    req.session.flash = { kind: 'success', message };
  };

  // ---------------------------------------------------------------- overview

  router.get('/agents/parametres', requireAdmin, async (req, res) => {
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
  });

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

  router.get('/agents/parametres/commune', requireAdmin, (req, res) => {
    const town = requireTown(req);
    renderTown(res, town, 200, [], { nom: town.name, couleur: town.colour, accueil: town.welcomeText });
  });

  router.post('/agents/parametres/commune', requireAdmin, async (req, res) => {
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
  });

  // ---------------------------------------------------------------- services

  router.get('/agents/parametres/services', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    res.render('agents/settings/services', { title: 'Services et coordonnées', services: await listServices(pool, town.id) });
  });

  function renderService(
    req: Request,
    res: Response,
    status: number,
    options: { serviceId?: string; name?: string; errors: FieldError[]; values: Record<string, string> },
  ) {
    const town = requireTown(req);
    res.status(status).render('agents/settings/service-form', {
      title: options.serviceId ? `Modifier le service ${options.name}` : 'Ajouter un service',
      action: options.serviceId ? urls.agentSettingsService(town, options.serviceId) : urls.agentSettingsServiceNew(town),
      editing: Boolean(options.serviceId),
      errors: options.errors,
      fieldErrors: errorMap(options.errors),
      values: options.values,
    });
  }

  const NAME_TAKEN: FieldError = { field: 'nom', message: 'Un service de ce nom existe déjà : choisissez un autre nom' };

  router.get('/agents/parametres/services/nouveau', requireAdmin, (req, res) => {
    renderService(req, res, 200, { errors: [], values: {} });
  });

  router.post('/agents/parametres/services/nouveau', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(serviceFormSchema, req.body);
    if (!form.ok) return renderService(req, res, 400, { errors: form.errors, values: form.values });
    const input = { name: form.data.nom, address: form.data.adresse, phone: form.data.telephone, email: form.data.courriel };
    try {
      await service.addService(ctx, town, auditActor(req), input);
    } catch (err) {
      if (!(err instanceof service.ServiceNameTakenError)) throw err;
      return renderService(req, res, 400, { errors: [NAME_TAKEN], values: formValues(req.body) });
    }
    flash(req, `Le service ${input.name} a été ajouté.`);
    res.redirect(303, urls.agentSettingsServices(town));
  });

  async function loadService(req: Request) {
    const town = requireTown(req);
    const id = param(req, 'serviceId');
    service.assertId(id);
    const found = await settings.findService(pool, town.id, id);
    if (!found) throw new NotFoundError('service of another town');
    return found;
  }

  router.get('/agents/parametres/services/:serviceId', requireAdmin, async (req, res) => {
    const s = await loadService(req);
    renderService(req, res, 200, {
      serviceId: s.id,
      name: s.name,
      errors: [],
      values: { nom: s.name, adresse: s.address, telephone: s.phone, courriel: s.email },
    });
  });

  router.post('/agents/parametres/services/:serviceId', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const s = await loadService(req);
    const form = parseForm(serviceFormSchema, req.body);
    if (!form.ok) return renderService(req, res, 400, { serviceId: s.id, name: s.name, errors: form.errors, values: form.values });
    const input = { name: form.data.nom, address: form.data.adresse, phone: form.data.telephone, email: form.data.courriel };
    try {
      await service.updateService(ctx, town, auditActor(req), s.id, input);
    } catch (err) {
      if (!(err instanceof service.ServiceNameTakenError)) throw err;
      return renderService(req, res, 400, {
        serviceId: s.id,
        name: s.name,
        errors: [NAME_TAKEN],
        values: formValues(req.body),
      });
    }
    flash(req, `Le service ${input.name} a été enregistré.`);
    res.redirect(303, urls.agentSettingsServices(town));
  });

  router.post('/agents/parametres/services/:serviceId/deplacer', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(moveSchema, req.body);
    if (!form.ok) throw new NotFoundError('no such move');
    const name = await service.moveService(ctx, town, auditActor(req), param(req, 'serviceId'), form.data.sens);
    flash(req, `Le service ${name} a été déplacé vers le ${form.data.sens}.`);
    res.redirect(303, urls.agentSettingsServices(town));
  });

  router.post('/agents/parametres/services/:serviceId/supprimer', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const name = await service.removeService(ctx, town, auditActor(req), param(req, 'serviceId'));
    flash(req, `Le service ${name} a été supprimé.`);
    res.redirect(303, urls.agentSettingsServices(town));
  });

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

  router.get('/agents/parametres/mots-de-passe', requireAdmin, (req, res) => {
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
  });

  router.post('/agents/parametres/mots-de-passe', requireAdmin, async (req, res) => {
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
  });

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

  router.get('/agents/parametres/calendrier', requireAdmin, async (req, res) => {
    await renderCalendar(req, res, 200, [], { type: 'closure' });
  });

  router.post('/agents/parametres/calendrier', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const form = parseForm(closureFormSchema, req.body);
    if (!form.ok) return renderCalendar(req, res, 400, form.errors, form.values);
    const d = form.data;
    await service.addClosure(ctx, town, auditActor(req), { kind: d.type, label: d.libelle, startDate: d.du, endDate: d.au });
    const what = d.type === 'closure' ? 'La fermeture' : 'La période de vacances';
    flash(req, `${what} « ${d.libelle} » du ${frenchDay(d.du)} au ${frenchDay(d.au)} a été ajoutée.`);
    res.redirect(303, urls.agentSettingsCalendar(town));
  });

  router.post('/agents/parametres/calendrier/:closureId/supprimer', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const removed = await service.removeClosure(ctx, town, auditActor(req), param(req, 'closureId'));
    flash(req, `La période « ${removed.label} » du ${frenchDay(removed.startDate)} au ${frenchDay(removed.endDate)} a été supprimée.`);
    res.redirect(303, urls.agentSettingsCalendar(town));
  });

  // ---------------------------------------------------------------- CGU and mentions légales

  for (const slug of Object.keys(TEXTS) as TextSlug[]) {
    const text = TEXTS[slug];

    const renderText = async (req: Request, res: Response, status: number, errors: FieldError[], values?: Record<string, string>) => {
      const town = requireTown(req);
      const versions = await settings.listTextVersions(pool, town.id, text.kind);
      const current = versions[0];
      res.status(status).render('agents/settings/text', {
        title: text.name,
        text: { ...text, slug },
        errors,
        fieldErrors: errorMap(errors),
        values: values ?? { texte: current?.body ?? '' },
        current,
        past: versions.slice(1),
      });
    };

    router.get(`/agents/parametres/${slug}`, requireAdmin, async (req, res) => {
      await renderText(req, res, 200, []);
    });

    router.post(`/agents/parametres/${slug}`, requireAdmin, async (req, res) => {
      const town = requireTown(req);
      const form = parseForm(textFormSchema, req.body);
      if (!form.ok) return renderText(req, res, 400, form.errors, form.values);
      let version: number;
      try {
        version = await service.publishText(ctx, town, auditActor(req), text.kind, form.data.texte);
      } catch (err) {
        if (!(err instanceof service.TextUnchangedError)) throw err;
        return renderText(
          req,
          res,
          400,
          [
            {
              field: 'texte',
              message: 'Le texte est identique à la version en vigueur : modifiez-le avant de publier une nouvelle version',
            },
          ],
          { texte: form.data.texte },
        );
      }
      flash(
        req,
        `La version ${version} ${slug === 'cgu' ? 'des conditions générales d’utilisation' : 'des mentions légales'} est publiée.`,
      );
      res.redirect(303, urls.agentSettingsText(town, slug));
    });

    router.get(`/agents/parametres/${slug}/versions/:version`, requireAdmin, async (req, res) => {
      const town = requireTown(req);
      const number = param(req, 'version');
      if (!/^[1-9]\d{0,5}$/.test(number)) throw new NotFoundError('no such version');
      const version = await settings.findTextVersion(pool, town.id, text.kind, Number(number));
      if (!version) throw new NotFoundError('no such version');
      res.render('agents/settings/text-version', { title: `${text.name} – version ${version.version}`, text: { ...text, slug }, version });
    });
  }

  return router;
}
