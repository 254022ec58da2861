import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { requireTown } from '../../middleware/town.js';
import { findPreferences, type ReminderPreferences } from '../../repositories/reminders.repository.js';
import { urls } from '../../routes.js';
import { readPreferences } from './reminders.schemas.js';
import { savePreferences } from './reminders.service.js';

const KINDS: { value: keyof ReminderPreferences; label: string; hint: string }[] = [
  {
    value: 'bookings',
    label: 'Réservations',
    hint: "Quelques jours avant la date limite de réservation, quand un enfant inscrit n'a rien réservé pour le mois.",
  },
  { value: 'dossiers', label: 'Renouvellement du dossier', hint: "Avant la clôture de la campagne, tant que le dossier n'est pas envoyé." },
  {
    value: 'invoices',
    label: 'Factures',
    hint: "Quelques jours avant la date limite de paiement d'une facture non payée (sauf prélèvement automatique).",
  },
];

/**
 * Mon compte › Rappels par courriel: which reminders the account receives (all on by default).
 */
export function remindersController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function show(req: Request, res: Response) {
    const prefs = await findPreferences(pool, req.account!.id);
    res.render('reminders/preferences', { title: 'Rappels par courriel', kinds: KINDS.map((k) => ({ ...k, checked: prefs[k.value] })) });
  }

  async function save(req: Request, res: Response) {
    const town = requireTown(req);
    const prefs = readPreferences(req.body);
    await savePreferences({ pool, clock }, req.account!.id, prefs);
    req.session.flash = { kind: 'success', message: 'Vos choix de rappels sont enregistrés.' };
    res.redirect(303, urls.myAccount(town));
  }

  return { show, save };
}
