import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { requireParent } from '../../middleware/auth.js';
import { requireTown } from '../../middleware/town.js';
import { pendingEmailChange } from '../../repositories/account-contact.repository.js';
import { findFamily } from '../../repositories/families.repository.js';
import { civilityWord } from '../accounts/accounts.service.js';
import { currentCguVersionNumber } from '../accounts/cgu.js';
import { STATUS_LABELS } from '../requests/request-state.js';
import { TYPE_LABELS } from '../requests/request-types.js';
import { dashboard, familyOpen } from './dashboard.service.js';

/**
 * The parent's dashboard (seeds 001, 003, 004): the greeting and last sign-in; MON ESPACE;
 * MON TABLEAU DE BORD and its entries; MA FAMILLE; the town's news. Also the entries that
 * are pages of their own here: Mon compte, and Mes factures / Édition de documents, which
 * say what they will hold until the billing issue fills them.
 */
export function dashboardRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const router = Router();
  const parentOnly = requireParent({ cguVersion: (townId) => currentCguVersionNumber(pool, townId) });

  router.get('/mon-espace', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const account = req.account!;
    const data = await dashboard(pool, clock, town, account, config.isProduction);
    res.render('dashboard/index', {
      title: 'Mon espace',
      ...data,
      civilityWord: civilityWord(account.civility),
      statusLabels: STATUS_LABELS,
      typeLabels: TYPE_LABELS,
    });
  });

  router.get('/mon-espace/compte', parentOnly, async (req, res) => {
    const town = requireTown(req);
    const account = req.account!;
    const [family, pendingEmail] = await Promise.all([
      familyOpen(account) ? findFamily(pool, town.id, account.familyId!) : undefined,
      pendingEmailChange(pool, town.id, account.id, clock.now()),
    ]);
    res.render('dashboard/account', { title: 'Mon compte', family, familyOpen: familyOpen(account), pendingEmail });
  });

  router.get('/mon-espace/factures', parentOnly, (_req, res) => {
    res.render('dashboard/coming', { title: 'Mes factures', kind: 'invoices' });
  });

  router.get('/mon-espace/edition-de-documents', parentOnly, (_req, res) => {
    res.render('dashboard/coming', { title: 'Édition de documents', kind: 'editions' });
  });

  return router;
}
