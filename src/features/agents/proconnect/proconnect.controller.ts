import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { freshCsrfToken } from '../../../middleware/csrf.js';
import { regenerateSession, saveSession } from '../../../middleware/session.js';
import { requireTown } from '../../../middleware/town.js';
import { countProConnectAdmins, findProConnectSettings, type ProConnectSettings } from '../../../repositories/franceconnect.repository.js';
import type { Town } from '../../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../../routes.js';
import { proConnectSchema } from '../../franceconnect/franceconnect.schemas.js';
import { authorizationUrl, clientConfiguration, verifyCallback, type PendingAuthorization } from '../../franceconnect/oidc.js';
import * as service from '../../franceconnect/proconnect.service.js';
import { flash } from '../families/load-family.js';

declare module 'express-session' {
  interface SessionData {
    /** Between the redirect to ProConnect and its return. Used once. */
    proConnectPending: PendingAuthorization;
  }
}

/** ProConnect's scopes: its claims' names. */
const PROCONNECT_SCOPE = 'openid email given_name usual_name siret uid';
const REFUSED = "La connexion avec ProConnect n'a pas pu aboutir : la réponse reçue n'a pas pu être vérifiée. Vous n'êtes pas connecté.";
const CANCELLED = 'Vous avez annulé la connexion avec ProConnect.';
const UNAVAILABLE = 'ProConnect ne répond pas pour le moment. Réessayez plus tard.';
const NO_AGENT =
  "Aucun agent de la commune autorisé à se connecter avec ProConnect n'a cette adresse de courriel. Un administrateur doit créer votre compte d'agent avec cette adresse et y autoriser ProConnect.";

/** ProConnect for agents (issue 18): the sign-in, its settings, the team's allowance. */
export function proConnectController(deps: AppDeps) {
  const { pool, clock, config } = deps;

  async function enabledSettings(town: Town): Promise<ProConnectSettings> {
    const settings = await findProConnectSettings(pool, town.id);
    if (!settings?.enabled) throw new NotFoundError('proconnect disabled');
    return settings;
  }

  function refuse(req: Request, res: Response, status: number, message: string, reason: string, err?: unknown) {
    const code = err && typeof err === 'object' ? ((err as { code?: unknown }).code ?? (err as { name?: unknown }).name) : undefined;
    req.log.warn({ proConnect: reason, code, townId: req.town?.id }, 'ProConnect sign-in refused');
    res.status(status).render('agents/proconnect/refused', { title: 'Connexion avec ProConnect impossible', message });
  }

  const callbackUri = (town: Town) => absoluteUrl(config.publicBaseUrl, urls.agentProConnectCallback(town));

  async function start(req: Request, res: Response) {
    const town = requireTown(req);
    const settings = await enabledSettings(town);
    let oidc;
    try {
      oidc = await clientConfiguration(settings, !config.isProduction, 'proconnect');
    } catch (err) {
      return refuse(req, res, 503, UNAVAILABLE, 'discovery', err);
    }
    const { url, pending } = await authorizationUrl(oidc, settings, callbackUri(town), clock.now().getTime(), PROCONNECT_SCOPE);
    req.session.proConnectPending = pending;
    await saveSession(req);
    res.redirect(303, url.href);
  }

  async function callback(req: Request, res: Response) {
    const town = requireTown(req);
    const settings = await enabledSettings(town);
    const pending = req.session.proConnectPending;
    delete req.session.proConnectPending;
    const outcome = await verifyCallback({
      originalUrl: req.originalUrl,
      callbackUri: callbackUri(town),
      pending,
      townId: town.id,
      now: clock.now().getTime(),
      configuration: () => clientConfiguration(settings, !config.isProduction, 'proconnect'),
    });
    if (!outcome.ok) return refuse(req, res, 400, outcome.reason === 'cancelled' ? CANCELLED : REFUSED, outcome.reason, outcome.err);
    const identity = outcome.identity;
    const email = typeof identity.raw.email === 'string' ? identity.raw.email : '';
    const agent = await service.agentForProConnect({ pool, clock }, town, email, req.ip ?? null);
    if (!agent) return refuse(req, res, 403, NO_AGENT, 'no allowed agent');
    // As the password sign-in does: a new session id, bound to the town.
    await regenerateSession(req);
    const now = clock.now().getTime();
    req.session.agentId = agent.id;
    req.session.townId = town.id;
    req.session.createdAt = now;
    req.session.agentSeenAt = now;
    await saveSession(req);
    freshCsrfToken(res);
    res.redirect(303, urls.agentHome(town));
  }

  // ---------------------------------------------------------------- settings

  async function render(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const town = requireTown(req);
    const [settings, admins] = await Promise.all([findProConnectSettings(pool, town.id), countProConnectAdmins(pool, town.id)]);
    res.status(status).render('agents/proconnect/settings', {
      title: 'ProConnect',
      values,
      hasSecret: !!settings?.clientSecret,
      proConnectAdmins: admins,
      ...(errors.length > 0 ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function showSettings(req: Request, res: Response) {
    const s = await findProConnectSettings(pool, requireTown(req).id);
    await render(req, res, 200, [], {
      active: s?.enabled ? 'oui' : 'non',
      identifiantClient: s?.clientId ?? '',
      urlDecouverte: s?.discoveryUrl ?? '',
      motDePasse: s?.passwordSignInOff ? 'non' : 'oui',
    });
  }

  async function saveSettings(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(proConnectSchema, req.body, { secret: ['secretClient'] });
    if (!form.ok) return render(req, res, 400, form.errors, form.values);
    const d = form.data;
    const { secretClient: _secret, ...kept } = d;
    const stored = await findProConnectSettings(pool, town.id);
    if (d.active === 'oui' && !d.secretClient && !stored?.clientSecret) {
      return render(req, res, 400, [{ field: 'secretClient', message: 'Saisissez le secret client fourni par ProConnect' }], kept);
    }
    const result = await service.saveProConnectSettings(
      { pool, clock },
      town,
      {
        enabled: d.active === 'oui',
        clientId: d.identifiantClient,
        clientSecret: d.secretClient,
        discoveryUrl: d.urlDecouverte,
        passwordSignInOff: d.motDePasse === 'non',
      },
      auditActor(req),
    );
    if (!result.ok) return render(req, res, 400, [{ field: 'motDePasse', message: result.message }], kept);
    flash(req, 'Les réglages ProConnect ont été enregistrés.');
    res.redirect(303, urls.agentSettingsProConnect(town));
  }

  // ---------------------------------------------------------------- the team's allowance

  async function setAllowed(req: Request, res: Response) {
    const town = requireTown(req);
    const agentId = idParam(req, 'agentId');
    const allowed = (req.body as Record<string, unknown>).autoriser === 'oui';
    const result = await service.setAllowed({ pool, clock }, town, agentId, allowed, auditActor(req));
    if (result === 'not-found') throw new NotFoundError();
    if (result === 'lockout')
      flash(req, `${service.LOCKOUT} Réactivez d'abord la connexion par mot de passe dans Paramètres → ProConnect.`, 'warning');
    else flash(req, allowed ? 'Cet agent peut se connecter avec ProConnect.' : 'Cet agent ne peut plus se connecter avec ProConnect.');
    res.redirect(303, urls.agentTeam(town));
  }

  return { start, callback, showSettings, saveSettings, setAllowed };
}
