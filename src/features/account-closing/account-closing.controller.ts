import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { freshCsrfToken } from '../../middleware/csrf.js';
import { sessionCookieName } from '../../middleware/session.js';
import { requireTown } from '../../middleware/town.js';
import { urls } from '../../routes.js';
import { AUTH_HINT_COOKIE } from '../../middleware/auth.js';
import { closeAccountSchema } from './account-closing.schemas.js';
import * as service from './account-closing.service.js';

/** "Clôturer mon compte" (issue 17, RGPD art. 17): the page, the closing, and the page after. */
export function accountClosingController(deps: AppDeps) {
  const { pool, clock, config } = deps;

  function render(res: Response, status: number, values: Record<string, string> = {}, errors: FieldError[] = []) {
    res.status(status).render('account-closing/close', {
      title: 'Clôturer mon compte',
      values,
      ...(errors.length > 0 ? { errors, fieldErrors: errorMap(errors) } : {}),
    });
  }

  function show(_req: Request, res: Response) {
    render(res, 200);
  }

  async function close(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(closeAccountSchema, req.body, { secret: ['motDePasse'] });
    if (!form.ok) return render(res, 400, form.values, form.errors);
    const result = await service.closeAccount({ pool, clock }, town, req.account!, form.data.motDePasse, req.ip ?? null);
    if (result.kind === 'wrong_password') {
      return render(res, 400, { confirmation: 'oui' }, [{ field: 'motDePasse', message: 'Le mot de passe est incorrect' }]);
    }
    // The session row is already gone with the account's others: forget the cookie too.
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    freshCsrfToken(res);
    res.clearCookie(AUTH_HINT_COOKIE, { path: '/' });
    res.clearCookie(sessionCookieName(config), { path: '/' });
    res.redirect(303, urls.accountClosed(town));
  }

  /** Reached signed out, so it says nothing about any account: the same page for whoever asks. */
  function closed(_req: Request, res: Response) {
    res.render('account-closing/closed', { title: 'Compte clôturé' });
  }

  return { show, close, closed };
}
