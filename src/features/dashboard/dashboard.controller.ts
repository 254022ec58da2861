import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { requireTown } from '../../middleware/town.js';
import { pendingEmailChange } from '../../repositories/account-contact.repository.js';
import { findFamily } from '../../repositories/families.repository.js';
import { paymentSettings } from '../../repositories/payments.repository.js';
import { civilityWord } from '../parent-accounts/parent-accounts.service.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { TYPE_LABELS } from '../requests/request-types.js';
import { dashboard, familyOpen } from './dashboard.service.js';

/**
 * The parent's dashboard (seeds 001, 003, 004): the greeting and last sign-in; MON ESPACE;
 * MON TABLEAU DE BORD and its entries; MA FAMILLE; the town's news. Also Mon compte, an
 * entry that is a page of its own (Mes factures and Édition de documents are features/invoices
 * and features/document-editions).
 */
export function dashboardController(deps: AppDeps) {
  const { pool, clock, config } = deps;

  async function showDashboard(req: Request, res: Response) {
    const account = req.account!;
    const data = await dashboard(pool, clock, requireTown(req), account, config.isProduction);
    res.render('dashboard/index', {
      title: 'Mon espace',
      ...data,
      civilityWord: civilityWord(account.civility),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
    });
  }

  async function showAccount(req: Request, res: Response) {
    const town = requireTown(req);
    const account = req.account!;
    const [family, pendingEmail, payments] = await Promise.all([
      familyOpen(account) ? findFamily(pool, town.id, account.familyId!) : undefined,
      pendingEmailChange(pool, town.id, account.id, clock.now()),
      paymentSettings(pool, town.id),
    ]);
    res.render('dashboard/account', {
      title: 'Mon compte',
      family,
      familyOpen: familyOpen(account),
      pendingEmail,
      // "Prélèvement automatique" only where the town offers it: elsewhere the page could only say no.
      sepaEnabled: payments.sepaEnabled,
    });
  }

  return { showDashboard, showAccount };
}
