import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { contentDisposition } from '../../lib/downloads.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { param } from '../../lib/params.js';
import { hit } from '../../lib/rate-limit.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { regenerateSession, saveSession } from '../../middleware/session.js';
import { forgetTown } from '../../middleware/town.js';
import { listTownSummaries } from '../../repositories/town-admin.repository.js';
import { findTownBySlug } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { agentPolicyRule } from '../agents/password-policy.js';
import { SLUG_RULE } from '../towns/towns.schemas.js';
import { createTown, exportTown, removeTown, type OperatorActor } from '../towns/towns.service.js';
import { operatorSignInSchema } from './operators.schemas.js';
import { recordOperatorSignOut, signInOperator } from './operators.service.js';

/** The host's operators' pages (issue 20, ADR 0024): sign-in, the towns, adding, exporting, removing one. */
export function operatorsController(deps: AppDeps) {
  const { pool, clock } = deps;

  const actorOf = (req: Request): OperatorActor => ({
    operatorId: req.operator!.id,
    actorLabel: `${req.operator!.displayName} (${req.operator!.username})`,
    ip: req.ip ?? null,
  });

  /** A path's slug: anything that cannot be a town's is a 404, like an unknown one. */
  async function townOf(req: Request) {
    const slug = param(req, 'slug');
    const town = /^[a-z][a-z0-9-]{1,40}$/.test(slug) ? await findTownBySlug(pool, slug) : undefined;
    if (!town) throw new NotFoundError('unknown town');
    return town;
  }

  // ------------------------------------------------------------------ sign-in

  const renderSignIn = (res: Response, status: number, errors: FieldError[] = [], values: Record<string, string> = {}) =>
    res.status(status).render('operators/signin', { title: 'Exploitation – Connexion', errors, fieldErrors: errorMap(errors), values });

  function showSignIn(req: Request, res: Response) {
    if (req.operator) return res.redirect(303, urls.operatorTowns());
    renderSignIn(res, 200);
  }

  async function signIn(req: Request, res: Response) {
    const limit = await hit(pool, clock, `operator-signin:${req.ip}`, 20, 15 * 60);
    if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
    const form = parseForm(operatorSignInSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return renderSignIn(res, 400, form.errors, form.values);
    const result = await signInOperator(deps, form.data.identifiant, form.data.motDePasse, req.ip ?? null);
    if (!result.ok) {
      const message = result.locked
        ? 'Trop de tentatives ont échoué pour cet identifiant : réessayez dans 15 minutes'
        : 'Identifiant ou mot de passe incorrect';
      return renderSignIn(res, 401, [{ field: 'identifiant', message }], { identifiant: form.data.identifiant });
    }
    // A new session id, holding nothing of a parent's or an agent's session.
    await regenerateSession(req);
    const now = clock.now().getTime();
    req.session.operatorId = result.operator.id;
    req.session.createdAt = now;
    req.session.operatorSeenAt = now;
    await saveSession(req);
    freshCsrfToken(res);
    res.redirect(303, urls.operatorTowns());
  }

  async function signOut(req: Request, res: Response) {
    await recordOperatorSignOut(deps, req.operator!, req.ip ?? null);
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    freshCsrfToken(res);
    res.redirect(303, `${urls.operatorSignIn()}?deconnexion=1`);
  }

  // ------------------------------------------------------------------ the towns

  async function listTowns(_req: Request, res: Response) {
    res.render('operators/towns', { title: 'Communes', towns: await listTownSummaries(pool) });
  }

  const renderNewTown = (res: Response, status: number, errors: FieldError[] = [], values: Record<string, string> = {}) =>
    res.status(status).render('operators/new-town', {
      title: 'Ajouter une commune',
      errors,
      fieldErrors: errorMap(errors),
      values,
      slugRule: SLUG_RULE,
      policy: agentPolicyRule(),
    });

  function showNewTown(_req: Request, res: Response) {
    renderNewTown(res, 200);
  }

  async function saveNewTown(req: Request, res: Response) {
    const result = await createTown(deps, req.body, actorOf(req));
    if (result.kind === 'errors') return renderNewTown(res, 400, result.errors, result.values);
    forgetTown(result.town.slug);
    req.session.flash = {
      kind: 'success',
      message: `La commune ${result.town.name} est créée : son administrateur ${result.admin.username} se connecte à ${urls.agentSignIn(result.town.slug)}.`,
    };
    res.redirect(303, urls.operatorTowns());
  }

  // ------------------------------------------------------------------ export and removal

  async function downloadExport(req: Request, res: Response) {
    const town = await townOf(req);
    const archive = await exportTown(deps, town.slug, actorOf(req));
    if (!archive) throw new NotFoundError('unknown town');
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', contentDisposition(archive.fileName));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A client that goes away ends the archive, and with it the snapshot's connection.
    res.on('close', () => (archive.stream as NodeJS.ReadableStream & { destroy(): void }).destroy());
    archive.stream.pipe(res);
  }

  const renderRemove = (
    res: Response,
    status: number,
    town: { slug: string; name: string },
    errors: FieldError[] = [],
    values: Record<string, string> = {},
  ) =>
    res.status(status).render('operators/remove-town', {
      title: `Supprimer la commune ${town.name}`,
      target: town,
      errors,
      fieldErrors: errorMap(errors),
      values,
    });

  async function showRemove(req: Request, res: Response) {
    renderRemove(res, 200, await townOf(req));
  }

  async function remove(req: Request, res: Response) {
    const town = await townOf(req);
    const result = await removeTown(deps, town.slug, req.body, actorOf(req));
    if (result.kind === 'not_found') throw new NotFoundError('unknown town');
    if (result.kind === 'errors') {
      const typed = typeof req.body?.confirmation === 'string' ? (req.body.confirmation as string) : '';
      return renderRemove(res, 400, town, result.errors, { confirmation: typed });
    }
    forgetTown(town.slug);
    req.session.flash = {
      kind: 'success',
      message: `La commune ${result.town.name} (${result.town.slug}) est supprimée, avec ses ${result.rows.toLocaleString('fr-FR')} lignes de données.`,
    };
    res.redirect(303, urls.operatorTowns());
  }

  return { showSignIn, signIn, signOut, listTowns, showNewTown, saveNewTown, downloadExport, showRemove, remove };
}
