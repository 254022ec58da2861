import type { Queryable } from '../../db/pool.js';
import type { AuditEntry } from '../../lib/audit.js';
import type { RequestRow, RequestType } from '../../repositories/requests.repository.js';
import type { Town } from '../../repositories/towns.repository.js';

/**
 * What each type of request is called and how its payload reads. The payload of a request
 * is written once, when it is made, by the feature that makes it (family, contact
 * details, reservations…); these helpers only read it, defensively, for the views.
 */

export const REQUEST_TYPES: readonly RequestType[] = [
  'child_update',
  'add_member',
  'contact_change',
  'reservation',
  'absence',
  'enrolment',
  'invoice_contest',

  'quotient_declaration',
  'renewal',
  'school_enrolment',
  'town_form',
  'town_message',
];

export const TYPE_LABELS: Record<RequestType, string> = {
  child_update: "Modification du dossier d'un enfant",
  add_member: "Ajout d'un membre",
  contact_change: 'Changement de coordonnées',
  reservation: 'Réservation',
  absence: "Signalement d'absence",
  enrolment: 'Inscription',
  invoice_contest: "Contestation d'une ligne de facture",

  quotient_declaration: 'Déclaration de quotient familial',
  renewal: "Renouvellement du dossier d'un enfant",
  school_enrolment: 'Préinscription scolaire',
  town_form: 'Formulaire en ligne',
  town_message: 'Message de la commune',
};

/** Every type, 'reservation' and 'absence' (issue 6) included: the agents' queue filters on these. */
export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && (REQUEST_TYPES as readonly string[]).includes(value);
}

/** One changed value, kept with what it was, in words (`before`/`after`) and as data (`from`/`to`). */
export interface Change {
  field: string;
  label: string;
  before: string;
  after: string;
  from?: unknown;
  to?: unknown;
}

export interface ChildUpdatePayload {
  childName: string;
  changes: Change[];
}

export type AddMemberPayload =
  | { kind: 'child'; firstNames: string; lastName: string; birthDate: string | null; school: string; className: string }
  | { kind: 'adult'; civility: 'M' | 'Mme'; firstNames: string; lastName: string; email: string; phone: string };

export interface ContactChangePayload {
  kind: 'address' | 'email' | 'phones';
  changes: Change[];
  /** What the family file takes over on acceptance. */
  address?: { line: string; postalCode: string; city: string };
  email?: string;
  phone?: string;
}

/** An absence report (src/features/absences/): what the parent chose at step 1, and the days it covers. */
export interface AbsencePayload {
  /** The draft VALIDER turned into this request: a second VALIDER finds the request by it. */
  draftId: string;
  childName: string;
  enrolments: { id: string; activityId: string; activityName: string; label: string }[];
  period: { choice: string; from: string; to: string };
  /** "Le vendredi 16 décembre 2026", "Du … au …" */
  datesWords: string;
  days: { enrolmentId: string; activityId: string; day: string; wasReserved: boolean }[];
  comment: string;
}

/** What the detail pages show of a payload: a table of changes and/or a list of fields. */
export interface RequestDetails {
  changes: Change[];
  fields: { label: string; value: string }[];
  /** What accepting will do, in words, for the agent. */
  onAccept: string | null;
  /** The accept button's words when the type has its own ("Accepter ce quotient"). */
  acceptLabel?: string;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function changesOf(payload: Record<string, unknown>): Change[] {
  const list = Array.isArray(payload.changes) ? payload.changes : [];
  return list
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .map((c) => ({ field: str(c.field), label: str(c.label), before: str(c.before), after: str(c.after) }));
}

export function requestDetails(type: RequestType, payload: Record<string, unknown>): RequestDetails {
  switch (type) {
    case 'child_update':
      return {
        changes: changesOf(payload),
        fields: [{ label: 'Enfant', value: str(payload.childName) }],
        onAccept: "Les modifications sont déjà enregistrées dans le dossier de l'enfant : accepter en prend acte.",
      };
    case 'contact_change': {
      const kind = str(payload.kind);
      return {
        changes: changesOf(payload),
        fields: [],
        onAccept:
          kind === 'address'
            ? "L'espace du parent est déjà à jour ; accepter reporte la nouvelle adresse sur le dossier famille."
            : kind === 'email'
              ? "L'adresse a été confirmée par son titulaire ; accepter la reporte sur la fiche de l'adulte dans le dossier famille."
              : "L'espace du parent est déjà à jour ; accepter reporte le numéro sur la fiche de l'adulte dans le dossier famille.",
      };
    }
    case 'add_member': {
      if (payload.kind === 'child') {
        return {
          changes: [],
          fields: [
            { label: 'Membre à ajouter', value: 'Un enfant' },
            { label: 'Prénom(s)', value: str(payload.firstNames) },
            { label: 'Nom', value: str(payload.lastName).toUpperCase() },
            { label: 'Date de naissance', value: str(payload.birthDate) ? formatDay(str(payload.birthDate)) : 'Non renseignée' },
            { label: 'École', value: str(payload.school) || 'Non renseignée' },
            { label: 'Classe', value: str(payload.className) || 'Non renseignée' },
          ],
          onAccept: 'Accepter ajoute cet enfant au dossier famille.',
        };
      }
      return {
        changes: [],
        fields: [
          { label: 'Membre à ajouter', value: 'Un adulte (co-représentant)' },
          { label: 'Civilité', value: payload.civility === 'Mme' ? 'Madame' : 'Monsieur' },
          { label: 'Prénom(s)', value: str(payload.firstNames) },
          { label: 'Nom', value: str(payload.lastName).toUpperCase() },
          { label: 'Courriel', value: str(payload.email) || 'Non renseigné' },
          { label: 'Téléphone', value: str(payload.phone) || 'Non renseigné' },
        ],
        onAccept: 'Accepter ajoute cet adulte au dossier famille (sans lui créer de compte).',
      };
    }
    case 'absence': {
      const enrolments = (Array.isArray(payload.enrolments) ? payload.enrolments : []) as Partial<AbsencePayload['enrolments'][number]>[];
      const days = (Array.isArray(payload.days) ? payload.days : []) as Partial<AbsencePayload['days'][number]>[];
      const perEnrolment = enrolments.map((e) => {
        const list = days
          .filter((d) => d.enrolmentId === e.id)
          .map((d) => `${formatDay(str(d.day))}${d.wasReserved ? ' (réservé)' : ''}`)
          .join(', ');
        return `${str(e.activityName)} : ${list || 'aucun jour'}`;
      });
      return {
        changes: [],
        fields: [
          { label: 'Enfant', value: str(payload.childName) },
          { label: 'Inscriptions', value: enrolments.map((e) => str(e.label)).join(' ; ') },
          { label: "Dates d'absence", value: str(payload.datesWords) },
          { label: 'Jours concernés', value: perEnrolment.join(' ; ') },
        ],
        onAccept: 'Accepter justifie ces jours : ils ne seront pas facturés.',
      };
    }
    case 'invoice_contest':
      return {
        changes: [],
        fields: [
          { label: 'Facture', value: `N° ${str(payload.invoiceNumber)} (${str(payload.monthWords)})` },
          { label: 'Jour', value: formatDay(str(payload.day)) },
          { label: 'Enfant', value: str(payload.childName) },
          { label: 'Activité', value: str(payload.activityName) },
          { label: 'Montant de la ligne', value: str(payload.amountWords) },
          { label: 'Motif de la ligne', value: str(payload.reason) },
        ],
        onAccept:
          'Une facture émise ne change pas : pour rembourser ou annuler tout ou partie de cette ligne, émettez un avoir sur la facture.',
      };

    case 'quotient_declaration':
      return quotientDeclarationDetails(payload);
    case 'enrolment':
      return enrolmentDetails(payload);
    case 'renewal':
      return renewalDetails(payload);
    case 'school_enrolment':
      return schoolEnrolmentDetails(payload);
    case 'town_form':
      return townFormDetails(payload);
    case 'town_message':
      return {
        changes: [],
        fields: [
          { label: 'Message de la commune', value: str(payload.subject) },
          { label: 'Destinataires', value: str(payload.targetLabel) },
          { label: 'Concerne', value: str(payload.datesWords) },
        ],
        onAccept: 'Clore cet échange : la famille a eu sa réponse.',
        acceptLabel: 'Clore l’échange',
      };
    default:
      return { changes: changesOf(payload), fields: [], onAccept: null };
  }
}

/** A parent's QF declaration (src/features/quotient/): the QF and its date of effect; the attestation is the first message's file. */
export interface QuotientDeclarationPayload {
  qf: number;
  effectiveFrom: string;
  /** Where the files came from, in words, for the agent ("Attestation CAF 2026 (espace de stockage)"). */
  files: string[];
  /** The QF in force when the parent declared, for the agent to compare (null: none on file). */
  previous: { qf: number; effectiveFrom: string } | null;
}

function quotientDeclarationDetails(payload: Record<string, unknown>): RequestDetails {
  const qf = typeof payload.qf === 'number' ? payload.qf : null;
  const files = Array.isArray(payload.files) ? payload.files.map(str).filter(Boolean) : [];
  const previous = (payload.previous ?? null) as Partial<QuotientDeclarationPayload['previous']>;
  return {
    changes: [],
    fields: [
      { label: 'Quotient familial déclaré', value: qf === null ? 'Non lisible' : `${qf.toLocaleString('fr-FR')} €` },
      { label: "Date d'effet", value: formatDay(str(payload.effectiveFrom)) },
      { label: 'Justificatif', value: files.join(' ; ') || 'Voir les échanges' },
      {
        label: 'Quotient en vigueur à la déclaration',
        value:
          previous && typeof previous.qf === 'number'
            ? `${previous.qf.toLocaleString('fr-FR')} € depuis le ${formatDay(str(previous.effectiveFrom))}`
            : 'Aucun (tarif le plus élevé)',
      },
    ],
    onAccept:
      "Vérifiez le quotient sur l'attestation jointe (dans les échanges ci-dessous). Accepter l'enregistre dans le dossier famille à sa date d'effet : les factures suivantes l'appliquent.",
    acceptLabel: 'Accepter ce quotient',
  };
}

/** A parent's enrolment request (src/features/enrolment/): the activity, the child, the period, the answers and pieces. */
export interface EnrolmentPayload {
  activityId: string;
  activityName: string;
  childId: string;
  childName: string;
  startDate: string;
  endDate: string;
  /** The days of the week the family means to come, in words ("lundis et jeudis"), for the agents. */
  daysWords: string;
  /** PAI: 'oui' / 'non', or null when the activity does not ask. */
  pai: 'oui' | 'non' | null;
  /** Diet, as typed, or null when the activity does not ask. */
  diet: string | null;
  /** Each required piece and where it came from, in words. */
  pieces: string[];
}

export function enrolmentDetails(payload: Record<string, unknown>): RequestDetails {
  const p = payload as Partial<EnrolmentPayload>;
  const fields = [
    { label: 'Activité', value: str(p.activityName) },
    { label: 'Enfant', value: str(p.childName) },
    { label: 'Période', value: `Du ${formatDay(str(p.startDate))} au ${formatDay(str(p.endDate))}` },
    { label: 'Jours', value: str(p.daysWords) || 'Non précisés' },
    { label: 'Pièces', value: (Array.isArray(p.pieces) ? p.pieces.map(str) : []).join(' ; ') || 'Aucune demandée' },
  ];
  if (p.pai) fields.push({ label: "Projet d'accueil individualisé (PAI)", value: p.pai === 'oui' ? 'Oui' : 'Non' });
  if (typeof p.diet === 'string') fields.push({ label: 'Régime alimentaire', value: p.diet || 'Aucun' });
  return {
    changes: [],
    fields,
    onAccept: "Accepter inscrit l'enfant à l'activité sur cette période : la famille peut ensuite réserver ses jours.",
    acceptLabel: "Accepter l'inscription",
  };
}

/** A child's dossier renewal (src/features/renewal/): the campaign, the confirmation, the pieces, the activities chosen. */
export interface RenewalPayload {
  campaignId: string;
  campaignTitle: string;
  childName: string;
  /** When the parent ticked "Je confirme que le dossier est à jour" (an ISO instant). */
  confirmedAt: string;
  /** Each required piece and where it came from, in words ("Justificatif de domicile : Facture EDF (espace de stockage)"). */
  pieces: string[];
  activities: { id: string; name: string }[];
}

function renewalDetails(payload: Record<string, unknown>): RequestDetails {
  const pieces = Array.isArray(payload.pieces) ? payload.pieces.map(str).filter(Boolean) : [];
  const activities = (Array.isArray(payload.activities) ? payload.activities : []) as Partial<RenewalPayload['activities'][number]>[];
  return {
    changes: [],
    fields: [
      { label: 'Campagne', value: str(payload.campaignTitle) },
      { label: 'Enfant', value: str(payload.childName) },
      { label: 'Dossier administratif', value: str(payload.confirmedAt) ? 'Confirmé à jour par la famille' : 'Non confirmé' },
      { label: 'Pièces', value: pieces.join(' ; ') || 'Aucune pièce demandée' },
      { label: 'Activités de la rentrée', value: activities.map((a) => str(a.name)).join(' ; ') || 'Aucune' },
    ],
    onAccept:
      "Vérifiez les pièces jointes (dans les échanges ci-dessous). Valider inscrit l'enfant aux activités choisies pour l'année suivante.",
    acceptLabel: 'Valider le renouvellement',
  };
}

/** A school pre-enrolment (src/features/school-enrolment/): the level, the sector's school, a derogation asked. */
export interface SchoolEnrolmentPayload {
  childName: string;
  /** "2027-2028" */
  schoolYear: string;
  level: string;
  levelLabel: string;
  /** The school of the family's sector for that level; null when the street is not in the table. */
  sectorSchool: { id: string; name: string } | null;
  /** Another school asked for, with its reason. */
  derogation: { schoolId: string; schoolName: string; reason: string } | null;
  pieces: string[];
}

function schoolEnrolmentDetails(payload: Record<string, unknown>): RequestDetails {
  const sector = (payload.sectorSchool ?? null) as Partial<NonNullable<SchoolEnrolmentPayload['sectorSchool']>> | null;
  const derogation = (payload.derogation ?? null) as Partial<NonNullable<SchoolEnrolmentPayload['derogation']>> | null;
  const pieces = Array.isArray(payload.pieces) ? payload.pieces.map(str).filter(Boolean) : [];
  return {
    changes: [],
    fields: [
      { label: 'Enfant', value: str(payload.childName) },
      { label: 'Année scolaire', value: str(payload.schoolYear) },
      { label: 'Niveau', value: str(payload.levelLabel) },
      { label: 'École de secteur', value: sector ? str(sector.name) : 'Aucun secteur trouvé pour cette adresse' },
      { label: 'Dérogation demandée', value: derogation ? `${str(derogation.schoolName)} : ${str(derogation.reason)}` : 'Non' },
      { label: 'Pièces', value: pieces.join(' ; ') },
    ],
    onAccept:
      "Accepter inscrit l'école et la classe dans le dossier de l'enfant. Pour choisir une autre école ou une autre classe, décidez depuis la page Secteurs scolaires ; d'ici, c'est l'école demandée.",
    acceptLabel: "Accepter avec l'école demandée",
  };
}

/**
 * A submission of a town's form (src/features/procedures/): the questions as the version asked
 * them, each with its answer in words, written once when the parent sent it. A later version
 * of the form changes nothing here.
 */
export interface TownFormPayload {
  formId: string;
  versionId: string;
  version: number;
  title: string;
  serviceName: string;
  answers: { fieldId: string; kind: string; label: string; value: unknown; words: string }[];
}

function townFormDetails(payload: Record<string, unknown>): RequestDetails {
  const answers = (Array.isArray(payload.answers) ? payload.answers : []) as Partial<TownFormPayload['answers'][number]>[];
  return {
    changes: [],
    fields: [
      // The version stays in the payload (the questions as asked); the family needs only the title.
      { label: 'Formulaire', value: str(payload.title) },
      { label: 'Service destinataire', value: str(payload.serviceName) || 'Non précisé' },
      ...answers.map((a) => ({ label: str(a.label), value: str(a.words) })),
    ],
    onAccept: null,
  };
}

/** 'YYYY-MM-DD' → 'DD/MM/YYYY' without going through a time zone. */
export function formatDay(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

// ---------------------------------------------------------------- what a decision does

/** A decision's effect reads the request locked in the transition's transaction (`db`). */
export interface EffectInput {
  db: Queryable;
  town: Town;
  request: RequestRow;
  now: Date;
  /** The agent deciding: an effect that writes a record of its own (a QF) audits it in their name. */
  acting: Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;
  /** What the agent chose with the decision, when its page asks (a school pre-enrolment's school and class). */
  decision?: Record<string, unknown>;
}

/** Not ok: the decision is refused with this message, and nothing is written. */
export type EffectResult = { ok: true; outcome?: Record<string, unknown> } | { ok: false; message: string };

/** The table of every type is request-effects.ts. */
export interface RequestEffects {
  onAccept?: (input: EffectInput) => Promise<EffectResult>;
  onRefuse?: (input: EffectInput) => Promise<EffectResult>;
}
