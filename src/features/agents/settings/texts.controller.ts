import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as settings from '../../../repositories/settings.repository.js';
import { urls } from '../../../routes.js';
import { textFormSchema } from '../../settings/settings.schemas.js';
import * as service from '../../settings/settings.service.js';
import { param } from '../../../lib/params.js';
import { TEXTS, type TextSlug } from './settings-pages.js';
import type { ServiceContext } from '../../../deps.js';

const UNCHANGED = 'Le texte est identique à la version en vigueur : modifiez-le avant de publier une nouvelle version';

/** The CGU and the mentions légales: the version in force, a new version, the past ones (admins only). */
export function textsController(deps: AppDeps) {
  const { pool } = deps;
  const ctx: ServiceContext = deps;

  async function renderText(
    req: Request,
    res: Response,
    slug: TextSlug,
    status: number,
    errors: FieldError[],
    values?: Record<string, string>,
  ) {
    const town = requireTown(req);
    const text = TEXTS[slug];
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
  }

  const show = (slug: TextSlug) => (req: Request, res: Response) => renderText(req, res, slug, 200, []);

  function publish(slug: TextSlug) {
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      const form = parseForm(textFormSchema, req.body);
      if (!form.ok) return renderText(req, res, slug, 400, form.errors, form.values);
      let version: number;
      try {
        version = await service.publishText(ctx, town, auditActor(req), TEXTS[slug].kind, form.data.texte);
      } catch (err) {
        if (!(err instanceof service.TextUnchangedError)) throw err;
        return renderText(req, res, slug, 400, [{ field: 'texte', message: UNCHANGED }], { texte: form.data.texte });
      }
      const what = slug === 'cgu' ? 'des conditions générales d’utilisation' : 'des mentions légales';
      req.session.flash = { kind: 'success', message: `La version ${version} ${what} est publiée.` };
      res.redirect(303, urls.agentSettingsText(town, slug));
    };
  }

  function showVersion(slug: TextSlug) {
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      const text = TEXTS[slug];
      const number = param(req, 'version');
      if (!/^[1-9]\d{0,5}$/.test(number)) throw new NotFoundError('no such version');
      const version = await settings.findTextVersion(pool, town.id, text.kind, Number(number));
      if (!version) throw new NotFoundError('no such version');
      res.render('agents/settings/text-version', { title: `${text.name} – version ${version.version}`, text: { ...text, slug }, version });
    };
  }

  return { show, publish, showVersion };
}
