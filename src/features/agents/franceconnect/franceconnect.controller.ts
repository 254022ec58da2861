import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { forgetTown, requireTown } from '../../../middleware/town.js';
import { findFranceConnectSettings, listLinkedAccounts } from '../../../repositories/franceconnect.repository.js';
import { urls } from '../../../routes.js';
import { settingsSchema } from '../../franceconnect/franceconnect.schemas.js';
import * as service from '../../franceconnect/franceconnect.service.js';
import { flash } from '../families/load-family.js';

/** FranceConnect's settings, in the admins' Paramètres (issue 18): the secret is written, never shown back. */
export function agentsFranceConnectController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function render(req: Request, res: Response, status: number, errors: FieldError[], values: Record<string, string>) {
    const town = requireTown(req);
    const [settings, linked] = await Promise.all([findFranceConnectSettings(pool, town.id), listLinkedAccounts(pool, town.id)]);
    res.status(status).render('agents/franceconnect/settings', {
      title: 'FranceConnect',
      values,
      hasSecret: !!settings?.clientSecret,
      linked,
      ...(errors.length > 0 ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  async function show(req: Request, res: Response) {
    const settings = await findFranceConnectSettings(pool, requireTown(req).id);
    await render(req, res, 200, [], {
      active: settings?.enabled ? 'oui' : 'non',
      identifiantClient: settings?.clientId ?? '',
      urlDecouverte: settings?.discoveryUrl ?? '',
      niveauEidas: settings?.eidasLevel ?? 'eidas1',
    });
  }

  async function save(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(settingsSchema, req.body, { secret: ['secretClient'] });
    if (!form.ok) return render(req, res, 400, form.errors, form.values);
    const d = form.data;
    const stored = await findFranceConnectSettings(pool, town.id);
    if (d.active === 'oui' && !d.secretClient && !stored?.clientSecret) {
      const { secretClient: _secret, ...values } = req.body as Record<string, string>;
      return render(req, res, 400, [{ field: 'secretClient', message: 'Saisissez le secret client fourni par FranceConnect' }], values);
    }
    await service.saveSettings(
      { pool, clock },
      town,
      {
        enabled: d.active === 'oui',
        clientId: d.identifiantClient,
        clientSecret: d.secretClient,
        discoveryUrl: d.urlDecouverte,
        eidasLevel: d.niveauEidas,
      },
      auditActor(req),
    );
    // The sign-in block reads the town's row: this process sees the change at once.
    forgetTown(town.slug);
    flash(req, 'Les réglages FranceConnect ont été enregistrés.');
    res.redirect(303, urls.agentSettingsFranceConnect(town));
  }

  return { show, save };
}
