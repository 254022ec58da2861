import type { Request } from 'express';
import type { Queryable } from '../db/pool.js';
import { insertAuditRows } from '../repositories/audit-log.repository.js';

/** Every agent action the audit log knows, so the admin's filter can list them. */
export const AUDIT_ACTIONS = {
  'agent.sign_in': 'Connexion',
  'agent.sign_in_failed': 'Échec de connexion',
  'agent.sign_out': 'Déconnexion',
  'agent.create': "Création d'un agent",
  'agent.disable': "Désactivation d'un agent",
  'agent.enable': "Réactivation d'un agent",
  'agent.password_reset': "Réinitialisation du mot de passe d'un agent",
  'agent.password_change': 'Changement de son mot de passe',
  'account.activate': "Activation d'un compte",
  'account.refuse': "Refus d'un compte",
  'account.precreate': "Création rapide d'un compte",
  'account.precreate_resend': 'Nouvel envoi du courriel de Création rapide',
  'family.create': "Création d'un dossier famille",
  'family.update': "Modification d'un dossier famille",
  'family.key_regenerate': 'Nouvelle clé Enfance',
  'family.letter': 'Courrier de clé Enfance imprimé',
  'child.create': "Ajout d'un enfant",
  'child.update': "Modification d'un enfant",
  'adult.create': "Ajout d'un adulte à un dossier famille",
  'adult.update': "Modification d'un adulte d'un dossier famille",
  'import.start': "Import d'un fichier de familles",
  'import.finish': "Fin d'un import de familles",
  'invoicing.start': "Lancement d'une facturation mensuelle",
  'invoicing.finish': "Fin d'une facturation mensuelle",
  'credit_note.create': "Émission d'un avoir",
  'payment.counter': "Enregistrement d'un paiement au guichet",
  'billing_settings.counter_methods': 'Modification des moyens de paiement acceptés au guichet',
  'tariff.create': "Enregistrement d'un tarif",
  'quotient.record': "Enregistrement d'un quotient familial",
  'family.payer': "Choix du payeur d'une famille",
  'billing_settings.update': 'Modification des paramètres de facturation',
  'payment_settings.update': 'Modification des réglages du paiement en ligne',
  'regie.create': "Création d'une régie",
  'regie.update': "Modification d'une régie",
  'direct_debit.settings': 'Modification des paramètres du prélèvement automatique',
  'direct_debit.export': "Préparation d'un fichier de prélèvements",
  'direct_debit.reject': "Enregistrement d'un rejet de prélèvement",
  'settings.update': 'Modification des paramètres de la commune',
  'news.create': "Création d'une actualité",
  'news.update': "Modification d'une actualité",
  'news.publish': "Publication d'une actualité",
  'news.unpublish': "Retrait d'une actualité",
  'cgu.publish': 'Nouvelle version des CGU',
  'mentions_legales.publish': 'Nouvelle version des mentions légales',
  'account.data_export': 'Téléchargement de ses données par un parent',
  'activity.create': "Création d'une activité",
  'activity.update': "Modification d'une activité",
  'enrolment.create': "Inscription d'un enfant à une activité",
  'activity.enrolment_settings': "Réglage de l'inscription en ligne d'une activité",
  'enrolment.allocate': "Attribution des places d'une activité",
  'attendance.record': "Saisie d'une feuille de présence",
  'request.take': "Prise en charge d'une demande",
  'request.accept': "Acceptation d'une demande",
  'request.refuse': "Refus d'une demande",
  'request.complement': 'Demande de complément à une famille',
  'request.message': 'Message à une famille',
  'renewal_campaign.create': "Ouverture d'une campagne de renouvellement",
  'renewal_campaign.update': "Modification d'une campagne de renouvellement",
  'school.create': "Ajout d'une école",
  'school_sector.create': "Ajout d'une voie à la carte scolaire",
  'school_sector.delete': "Suppression d'une voie de la carte scolaire",
  'school_sectors.import': 'Import de la carte scolaire',
  'survey.open': "Ouverture d'une enquête de satisfaction",
  'survey.close': "Clôture d'une enquête de satisfaction",
  'practical_page.create': "Création d'une page d'infos pratiques",
  'practical_page.update': "Modification d'une page d'infos pratiques",
  'practical_page.publish': "Publication d'une page d'infos pratiques",
  'practical_page.unpublish': "Retrait d'une page d'infos pratiques",
  'practical_page.file_add': "Ajout d'un fichier à une page d'infos pratiques",
  'practical_page.file_remove': "Suppression d'un fichier d'une page d'infos pratiques",
  'account.close': 'Clôture de son compte par un parent',
  'town_form.create': "Création d'un formulaire en ligne",
  'town_form.update': "Modification d'un formulaire en ligne",
  'town_form.publish': "Publication d'un formulaire en ligne",
  'town_form.unpublish': "Dépublication d'un formulaire en ligne",
  // FranceConnect (issue 18)
  'franceconnect.link': "Liaison d'un compte à FranceConnect",
  'franceconnect.unlink': "Fin de la liaison d'un compte à FranceConnect",
  'franceconnect.settings': 'Modification des réglages FranceConnect',
  'proconnect.settings': 'Modification des réglages ProConnect',
  'proconnect.allow': 'Connexion avec ProConnect autorisée pour un agent',
  'proconnect.disallow': 'Connexion avec ProConnect retirée à un agent',
  'proconnect.sign_in': 'Connexion avec ProConnect',
  // The day's roster (issue 19)
  'roster.health_view': "Consultation des informations de santé d'une liste du jour",
  'agent.health_allow': 'Droit de voir les informations de santé donné à un agent',
  'agent.health_disallow': 'Droit de voir les informations de santé retiré à un agent',
  'group_message.send': 'Message envoyé à un groupe de familles',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export interface AuditEntry {
  townId: string;
  agentId: string | null;
  /** Who, in words, as it stays readable if the agent is later deleted. */
  actorLabel: string;
  action: AuditAction;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  ip?: string | null;
  at: Date;
}

/** Writes one audit row; call it with the transaction's client so it lands with the change. */
export function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  return insertAuditRows(db, [entry]);
}

/** Many audit rows in one statement (an import writes one per family it creates). */
export function auditMany(db: Queryable, entries: AuditEntry[]): Promise<void> {
  return insertAuditRows(db, entries);
}

/** The fields of an audit entry that come from the request: the signed-in agent and the address. */
export function auditActor(req: Request): Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'> {
  const agent = req.agent;
  return { agentId: agent?.id ?? null, actorLabel: agent ? `${agent.displayName} (${agent.username})` : 'système', ip: req.ip ?? null };
}
