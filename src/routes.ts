/**
 * Every URL the app builds, in one place: views, redirects and mails call these rather
 * than writing paths by hand.
 */
export type TownRef = string | { slug: string };
const t = (town: TownRef) => `/${typeof town === 'string' ? town : town.slug}`;

/** `?a=1&b=2` from the non-empty values (a page 1 is left out: it is the default). */
function queryString(query: Record<string, string | number | undefined> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === '' || (key === 'page' && Number(value) <= 1)) continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** `search` (from queryString) with a sheet's class, kept even when empty: '' is "no school" or "no class". */
function withGroup(search: string, group: { school: string; className: string } | undefined): string {
  if (!group) return search;
  const params = new URLSearchParams(search);
  params.set('ecole', group.school);
  params.set('classe', group.className);
  return `?${params.toString()}`;
}

export const SIGNUP_STEPS = ['identite', 'adresse', 'contact', 'authentification'] as const;
export type SignupStep = (typeof SIGNUP_STEPS)[number];

export const urls = {
  root: () => '/',
  /** What browsers ask for whatever the page links to. */
  rootFavicon: () => '/favicon.ico',
  townHome: (town: TownRef) => `${t(town)}/`,
  // With the colour in the query string, a new colour is a new address: browsers keep the sheet 5 minutes.
  townTheme: (town: string | { slug: string; colour?: string }) =>
    `${t(town)}/theme.css${typeof town === 'object' && town.colour ? `?v=${town.colour.slice(1)}` : ''}`,
  townFavicon: (town: string | { slug: string; colour?: string }) =>
    `${t(town)}/favicon.svg${typeof town === 'object' && town.colour ? `?v=${town.colour.slice(1)}` : ''}`,
  mentionsLegales: (town: TownRef) => `${t(town)}/mentions-legales`,
  cgu: (town: TownRef) => `${t(town)}/cgu`,
  accessibilite: (town: TownRef) => `${t(town)}/accessibilite`,

  // Sign-up wizard (BIENVENUE, then the four steps, then the confirmation)
  signupStart: (town: TownRef) => `${t(town)}/creer-mon-espace`,
  signupStep: (town: TownRef, step: SignupStep) => `${t(town)}/creer-mon-espace/${step}`,
  signupCancel: (town: TownRef) => `${t(town)}/creer-mon-espace/annuler`,
  signupDone: (town: TownRef) => `${t(town)}/creer-mon-espace/confirmation`,
  signupPhoto: (town: TownRef) => `${t(town)}/creer-mon-espace/photo`,

  // Activation, sign-in, password
  activate: (town: TownRef) => `${t(town)}/activation`,
  resendActivation: (town: TownRef) => `${t(town)}/renvoyer-activation`,
  signIn: (town: TownRef) => `${t(town)}/connexion`,
  signOut: (town: TownRef) => `${t(town)}/deconnexion`,
  forgotPassword: (town: TownRef) => `${t(town)}/mot-de-passe-oublie`,
  resetPassword: (town: TownRef) => `${t(town)}/reinitialiser-mot-de-passe`,
  sessionExtend: (town: TownRef) => `${t(town)}/session/prolonger`,
  sessionExpired: (town: TownRef) => `${t(town)}/session/expiree`,

  // The parent's space
  dashboard: (town: TownRef) => `${t(town)}/mon-espace`,
  credentials: (town: TownRef) => `${t(town)}/mon-espace/identifiants`,
  firstCredentials: (town: TownRef) => `${t(town)}/mon-espace/modification-identifiants`,
  acceptCgu: (town: TownRef) => `${t(town)}/mon-espace/conditions-generales`,
  accountPhoto: (town: TownRef) => `${t(town)}/mon-espace/photo`,

  // The parent's space (issue 5): dashboard entries, requests and messages, family, contact details
  myAccount: (town: TownRef) => `${t(town)}/mon-espace/compte`,
  invoices: (town: TownRef) => `${t(town)}/mon-espace/factures`,
  documentEditions: (town: TownRef) => `${t(town)}/mon-espace/edition-de-documents`,
  requests: (town: TownRef, page?: number) => `${t(town)}/mon-espace/demandes${page && page > 1 ? `?page=${page}` : ''}`,
  request: (town: TownRef, id: string) => `${t(town)}/mon-espace/demandes/${id}`,
  requestMessages: (town: TownRef, id: string) => `${t(town)}/mon-espace/demandes/${id}/messages`,
  requestAttachment: (town: TownRef, id: string, fileId: string) => `${t(town)}/mon-espace/demandes/${id}/pieces/${fileId}`,
  inbox: (town: TownRef, page?: number) => `${t(town)}/mon-espace/echanges${page && page > 1 ? `?page=${page}` : ''}`,
  family: (town: TownRef) => `${t(town)}/mon-espace/famille`,
  addMember: (town: TownRef, kind?: 'enfant' | 'adulte') => `${t(town)}/mon-espace/famille/ajouter-un-membre${kind ? `/${kind}` : ''}`,
  child: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}`,
  childFile: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/dossier`,
  contactDetails: (town: TownRef) => `${t(town)}/mon-espace/coordonnees`,
  contactAddress: (town: TownRef) => `${t(town)}/mon-espace/coordonnees/adresse`,
  contactEmail: (town: TownRef) => `${t(town)}/mon-espace/coordonnees/courriel`,
  contactPhones: (town: TownRef) => `${t(town)}/mon-espace/coordonnees/telephones`,
  // Opened from the new mailbox, signed in or not: the token says whose address it is.
  confirmEmail: (town: TownRef) => `${t(town)}/confirmer-courriel`,

  // Private document storage, "Pièces justificatives" (issue 5): the owner's only
  documents: (town: TownRef) => `${t(town)}/mon-espace/pieces-justificatives`,
  documentNew: (town: TownRef) => `${t(town)}/mon-espace/pieces-justificatives/ajouter`,
  documentFile: (town: TownRef, documentId: string, fileId: string) =>
    `${t(town)}/mon-espace/pieces-justificatives/${documentId}/fichiers/${fileId}`,
  documentDelete: (town: TownRef, documentId: string) => `${t(town)}/mon-espace/pieces-justificatives/${documentId}/supprimer`,
  // Data rights: "Télécharger mes données" (a page, and the POST that streams the ZIP)
  myData: (town: TownRef) => `${t(town)}/mon-espace/mes-donnees`,
  myDataDownload: (town: TownRef) => `${t(town)}/mon-espace/mes-donnees/telecharger`,

  // Reservations (issue 6): a child's agenda, the week grid, the periodicity, the recap
  childAgenda: (town: TownRef, childId: string, month?: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/agenda${month ? `?mois=${month}` : ''}`,
  childReservations: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/reservations`,
  reservationGrid: (town: TownRef, childId: string, enrolmentId: string, view?: { mois?: string; semaine?: string }) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}${
      view?.semaine ? `?semaine=${view.semaine}` : view?.mois ? `?mois=${view.mois}` : ''
    }`,
  reservationPeriodicity: (town: TownRef, childId: string, enrolmentId: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}/periodicite`,
  reservationPeriodicityConfirm: (town: TownRef, childId: string, enrolmentId: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}/periodicite/confirmer`,
  reservationRecap: (town: TownRef, childId: string, enrolmentId: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}/recapitulatif`,
  reservationValidate: (town: TownRef, childId: string, enrolmentId: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}/valider`,
  reservationDiscard: (town: TownRef, childId: string, enrolmentId: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/reservations/${enrolmentId}/abandonner`,
  reservationSubmission: (town: TownRef, submissionId: string) => `${t(town)}/mon-espace/reservations/demandes/${submissionId}`,

  // Absences (issue 6), "Signaler une absence": the intro, step 1 (one multipart form), the
  // recap of the draft it saved (step 2) and VALIDER, which makes the request
  absenceStart: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/absence`,
  absenceForm: (town: TownRef, childId: string, draftId?: string) =>
    `${t(town)}/mon-espace/enfants/${childId}/absence/etape-1${draftId ? `?brouillon=${draftId}` : ''}`,
  absenceRecap: (town: TownRef, draftId: string) => `${t(town)}/mon-espace/absences/${draftId}`,
  absenceValidate: (town: TownRef, draftId: string) => `${t(town)}/mon-espace/absences/${draftId}/valider`,

  // Billing, the parents' side (issue 14, bill-parents): an invoice day by day, its PDF,
  // contesting one of its lines, the documents of "Édition de documents", and the public
  // page where a third party checks such a document's code
  invoice: (town: TownRef, id: string) => `${t(town)}/mon-espace/factures/${id}`,
  invoicePdf: (town: TownRef, id: string) => `${t(town)}/mon-espace/factures/${id}/facture.pdf`,
  invoiceContest: (town: TownRef, id: string, lineId?: string) =>
    `${t(town)}/mon-espace/factures/${id}/contester${lineId ? `?ligne=${lineId}` : ''}`,
  // Payments, the parents' side (issue 15, pay-core): choosing invoices and paying them online,
  // a payment's status and receipt, the provider's notification and return, the built-in bank.
  invoicePay: (town: TownRef) => `${t(town)}/mon-espace/factures/payer`,
  payment: (town: TownRef, id: string) => `${t(town)}/mon-espace/paiements/${id}`,
  paymentReturn: (town: TownRef, id: string) => `${t(town)}/paiement/retour/${id}`,
  paymentNotify: (town: TownRef, provider: string) => `${t(town)}/paiement/notification/${provider}`,
  builtinBank: (town: TownRef, id: string) => `${t(town)}/banque-de-demonstration/${id}`,
  taxAttestation: (town: TownRef) => `${t(town)}/mon-espace/edition-de-documents/attestation-fiscale`,
  paymentAttestation: (town: TownRef) => `${t(town)}/mon-espace/edition-de-documents/attestation-de-paiement`,
  /** Without a code: the form; with one (or ':code' for the route pattern): what the document said. */
  documentVerification: (town: TownRef, code?: string) => `${t(town)}/verifier-un-document${code ? `/${code}` : ''}`,

  // Activities, enrolments and reservations in the back-office (issue 6)
  agentActivities: (town: TownRef) => `${t(town)}/agents/activites`,
  agentActivityNew: (town: TownRef) => `${t(town)}/agents/activites/nouvelle`,
  agentActivity: (town: TownRef, id: string, month?: string) => `${t(town)}/agents/activites/${id}${month ? `?mois=${month}` : ''}`,
  agentActivityEdit: (town: TownRef, id: string) => `${t(town)}/agents/activites/${id}/modifier`,
  agentEnrolmentNew: (town: TownRef, id: string) => `${t(town)}/agents/activites/${id}/inscriptions/nouvelle`,
  // One class of the day (`ecole`, `classe`; either may be '', "sans école" or "sans classe", hence not queryString).
  agentActivityDay: (town: TownRef, id: string, day: string, group?: { school: string; className: string }) =>
    `${t(town)}/agents/activites/${id}/jours/${day}${withGroup('', group)}`,
  agentActivityAttendance: (town: TownRef, id: string, day: string) => `${t(town)}/agents/activites/${id}/jours/${day}/presences`,
  agentReservationQueue: (town: TownRef) => `${t(town)}/agents/reservations/a-confirmer`,
  agentReservationDecision: (town: TownRef, id: string) => `${t(town)}/agents/reservations/a-confirmer/${id}`,

  // The agents' back-office ("Espace agents")
  agentSignIn: (town: TownRef) => `${t(town)}/agents/connexion`,
  agentSignOut: (town: TownRef) => `${t(town)}/agents/deconnexion`,
  agentHome: (town: TownRef) => `${t(town)}/agents`,
  /** The agent's own password, in place of one an admin chose (first sign-in, after a reset). */
  agentNewPassword: (town: TownRef) => `${t(town)}/agents/nouveau-mot-de-passe`,

  // Requests in the back-office (issue 5): the queue, a request, its actions and messages
  agentRequests: (town: TownRef, query?: Record<string, string>) => {
    const qs = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== '')).toString();
    return `${t(town)}/agents/demandes${qs ? `?${qs}` : ''}`;
  },
  agentRequest: (town: TownRef, id: string) => `${t(town)}/agents/demandes/${id}`,
  agentRequestStatus: (town: TownRef, id: string) => `${t(town)}/agents/demandes/${id}/statut`,
  agentRequestMessages: (town: TownRef, id: string) => `${t(town)}/agents/demandes/${id}/messages`,
  agentRequestAttachment: (town: TownRef, id: string, fileId: string) => `${t(town)}/agents/demandes/${id}/pieces/${fileId}`,

  // Accounts to activate, the team of agents, the audit log (issue 4)
  agentAccounts: (town: TownRef, query?: { q?: string; page?: number }) => `${t(town)}/agents/comptes${queryString(query)}`,
  agentAccount: (town: TownRef, id: string, query?: { famille?: string }) => `${t(town)}/agents/comptes/${id}${queryString(query)}`,
  agentAccountPhoto: (town: TownRef, id: string) => `${t(town)}/agents/comptes/${id}/photo`,
  agentAccountActivate: (town: TownRef, id: string) => `${t(town)}/agents/comptes/${id}/activer`,
  agentAccountRefuse: (town: TownRef, id: string) => `${t(town)}/agents/comptes/${id}/refuser`,
  agentTeam: (town: TownRef) => `${t(town)}/agents/equipe`,
  agentTeamNew: (town: TownRef) => `${t(town)}/agents/equipe/nouveau`,
  agentTeamDisable: (town: TownRef, id: string) => `${t(town)}/agents/equipe/${id}/desactiver`,
  agentTeamEnable: (town: TownRef, id: string) => `${t(town)}/agents/equipe/${id}/reactiver`,
  agentTeamPassword: (town: TownRef, id: string) => `${t(town)}/agents/equipe/${id}/mot-de-passe`,
  agentJournal: (town: TownRef, query?: { action?: string; agent?: string; du?: string; au?: string; page?: number }) =>
    `${t(town)}/agents/journal${queryString(query)}`,

  // Family files, Clé Enfance, Création rapide and the import of known families (issue 4)
  agentFamilies: (town: TownRef, query?: { q?: string; page?: number }) => {
    const params = new URLSearchParams();
    if (query?.q) params.set('q', query.q);
    if (query?.page && query.page > 1) params.set('page', String(query.page));
    const search = params.toString();
    return `${t(town)}/agents/familles${search ? `?${search}` : ''}`;
  },
  agentFamilyNew: (town: TownRef) => `${t(town)}/agents/familles/nouveau`,
  agentFamily: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}`,
  agentFamilyEdit: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/modifier`,
  agentFamilyKey: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/cle-enfance`,
  agentFamilyLetter: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/courrier-cle-enfance.pdf`,
  agentChildNew: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/enfants/nouveau`,
  agentChildEdit: (town: TownRef, id: string, childId: string) => `${t(town)}/agents/familles/${id}/enfants/${childId}`,
  agentAdultNew: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/adultes/nouveau`,
  agentAdultEdit: (town: TownRef, id: string, adultId: string) => `${t(town)}/agents/familles/${id}/adultes/${adultId}`,
  agentAdultPrecreate: (town: TownRef, id: string, adultId: string) =>
    `${t(town)}/agents/familles/${id}/adultes/${adultId}/creation-rapide`,
  agentAccountResend: (town: TownRef, id: string, accountId: string) =>
    `${t(town)}/agents/familles/${id}/comptes/${accountId}/renvoyer-courriel`,
  agentImport: (town: TownRef) => `${t(town)}/agents/import`,
  agentImportTemplate: (town: TownRef) => `${t(town)}/agents/import/modele-familles.csv`,
  agentImportJob: (town: TownRef, jobId: string) => `${t(town)}/agents/import/${jobId}`,
  agentImportJobStatus: (town: TownRef, jobId: string) => `${t(town)}/agents/import/${jobId}/etat`,

  // Town settings (admins) and news (every agent) in the back-office (issue 4)
  agentSettings: (town: TownRef) => `${t(town)}/agents/parametres`,
  agentSettingsTown: (town: TownRef) => `${t(town)}/agents/parametres/commune`,
  agentSettingsServices: (town: TownRef) => `${t(town)}/agents/parametres/services`,
  agentSettingsServiceNew: (town: TownRef) => `${t(town)}/agents/parametres/services/nouveau`,
  agentSettingsService: (town: TownRef, id: string) => `${t(town)}/agents/parametres/services/${id}`,
  agentSettingsServiceMove: (town: TownRef, id: string) => `${t(town)}/agents/parametres/services/${id}/deplacer`,
  agentSettingsServiceDelete: (town: TownRef, id: string) => `${t(town)}/agents/parametres/services/${id}/supprimer`,
  agentSettingsPasswords: (town: TownRef) => `${t(town)}/agents/parametres/mots-de-passe`,
  agentSettingsCalendar: (town: TownRef) => `${t(town)}/agents/parametres/calendrier`,
  agentSettingsCalendarDelete: (town: TownRef, id: string) => `${t(town)}/agents/parametres/calendrier/${id}/supprimer`,
  agentSettingsText: (town: TownRef, kind: 'cgu' | 'mentions-legales') => `${t(town)}/agents/parametres/${kind}`,
  /** `version` is a number, or ':version' for the route pattern. */
  agentSettingsTextVersion: (town: TownRef, kind: 'cgu' | 'mentions-legales', version: number | string) =>
    `${t(town)}/agents/parametres/${kind}/versions/${version}`,
  agentNews: (town: TownRef) => `${t(town)}/agents/actualites`,
  agentNewsNew: (town: TownRef) => `${t(town)}/agents/actualites/nouvelle`,
  agentNewsEdit: (town: TownRef, id: string) => `${t(town)}/agents/actualites/${id}/modifier`,
  agentNewsPublish: (town: TownRef, id: string) => `${t(town)}/agents/actualites/${id}/publier`,
  agentNewsUnpublish: (town: TownRef, id: string) => `${t(town)}/agents/actualites/${id}/retirer`,

  // Billing setup in the back-office (issue 14, bill-setup): régies, tariffs and their
  // versions, the town's billing settings (admins), a family's QF and payer (agents)
  agentBillingRegies: (town: TownRef) => `${t(town)}/agents/facturation/regies`,
  agentBillingRegieNew: (town: TownRef) => `${t(town)}/agents/facturation/regies/nouvelle`,
  agentBillingRegie: (town: TownRef, id: string) => `${t(town)}/agents/facturation/regies/${id}`,
  agentBillingTariffs: (town: TownRef) => `${t(town)}/agents/facturation/tarifs`,
  agentBillingTariff: (town: TownRef, activityId: string) => `${t(town)}/agents/facturation/tarifs/${activityId}`,
  agentBillingSettings: (town: TownRef) => `${t(town)}/agents/facturation/parametres`,
  agentFamilyBilling: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/facturation`,
  agentFamilyQuotient: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/facturation/quotient`,
  agentFamilyPayer: (town: TownRef, id: string) => `${t(town)}/agents/familles/${id}/facturation/payeur`,
  // Billing, the régie's daily work (issue 14, bill-runs): runs, invoices, credit notes, the CSV export
  agentBilling: (town: TownRef) => `${t(town)}/agents/facturation`,
  agentInvoicingRun: (town: TownRef, runId: string) => `${t(town)}/agents/facturation/executions/${runId}`,
  agentInvoicingRunStatus: (town: TownRef, runId: string) => `${t(town)}/agents/facturation/executions/${runId}/etat`,
  agentInvoices: (town: TownRef, query?: { mois?: string; statut?: string; regie?: string; q?: string; famille?: string; page?: number }) =>
    `${t(town)}/agents/facturation/factures${queryString(query)}`,
  agentInvoice: (town: TownRef, invoiceId: string) => `${t(town)}/agents/facturation/factures/${invoiceId}`,
  agentInvoiceCreditNote: (town: TownRef, invoiceId: string) => `${t(town)}/agents/facturation/factures/${invoiceId}/avoir`,
  agentBillingExport: (town: TownRef, query?: { regie?: string; mois?: string }) =>
    `${t(town)}/agents/facturation/export${queryString(query)}`,
  // Payments in the back-office (issue 15, pay-agents): by day and provider, one payment and its
  // trail, the daily reconciliation, a payment recorded at the counter (and what the counter takes)
  agentPayments: (
    town: TownRef,
    query?: { du?: string; au?: string; canal?: string; statut?: string; famille?: string; page?: number; format?: string },
  ) => `${t(town)}/agents/facturation/paiements${queryString(query)}`,
  agentPayment: (town: TownRef, paymentId: string) => `${t(town)}/agents/facturation/paiements/${paymentId}`,
  agentReconciliation: (town: TownRef, query?: { jour?: string }) => `${t(town)}/agents/facturation/rapprochement${queryString(query)}`,
  agentCounterPayment: (town: TownRef, query?: { famille?: string; q?: string; facture?: string }) =>
    `${t(town)}/agents/facturation/paiements/guichet${queryString(query)}`,
  agentCounterMethods: (town: TownRef) => `${t(town)}/agents/facturation/paiements/guichet/moyens`,

  // Online payment settings (issue 15, pay-payfip): the town's provider, PayFiP's mode and
  // each régie's client number (admins)
  agentPaymentSettings: (town: TownRef) => `${t(town)}/agents/facturation/paiement-en-ligne`,

  // Billing, the parents' side of tariffs (issue 14, bill-sim): the public "Simulation des
  // tarifs", the signed-in one (the family's QF), and the parent's QF declaration
  tariffSimulation: (town: TownRef, query?: { qf?: string }) => `${t(town)}/simulation-des-tarifs${queryString(query)}`,
  myTariffSimulation: (town: TownRef, query?: { qf?: string }) => `${t(town)}/mon-espace/simulation-des-tarifs${queryString(query)}`,
  quotientDeclaration: (town: TownRef) => `${t(town)}/mon-espace/quotient-familial`,

  // Direct debit (issue 15, pay-sepa): the parent's SEPA mandate in Mon compte, its PDF, its
  // revocation; the agents' collections (pain.008 batches), their file, a reject, the settings
  directDebit: (town: TownRef) => `${t(town)}/mon-espace/compte/prelevement`,
  directDebitRevoke: (town: TownRef) => `${t(town)}/mon-espace/compte/prelevement/revoquer`,
  directDebitMandatePdf: (town: TownRef) => `${t(town)}/mon-espace/compte/prelevement/mandat.pdf`,
  agentDirectDebits: (town: TownRef) => `${t(town)}/agents/facturation/prelevements`,
  agentDirectDebitSettings: (town: TownRef) => `${t(town)}/agents/facturation/prelevements/parametres`,
  agentDirectDebitBatch: (town: TownRef, batchId: string) => `${t(town)}/agents/facturation/prelevements/${batchId}`,
  agentDirectDebitFile: (town: TownRef, batchId: string) => `${t(town)}/agents/facturation/prelevements/${batchId}/fichier.xml`,
  agentDirectDebitReject: (town: TownRef, batchId: string, invoiceId: string) =>
    `${t(town)}/agents/facturation/prelevements/${batchId}/rejets/${invoiceId}`,

  // Enrolment from the parent's side (issue 16, enrol-offer): the public offer (ACTIVITÉS),
  // "Inscrire mon enfant" and its follow-up, the agents' settings and fair allocation
  activityOffer: (town: TownRef) => `${t(town)}/activites`,
  activityOfferDetail: (town: TownRef, id: string) => `${t(town)}/activites/${id}`,
  enrolChild: (town: TownRef, query?: { activite?: string }) => `${t(town)}/mon-espace/inscrire-mon-enfant${queryString(query)}`,
  enrolmentApplication: (town: TownRef, requestId: string) => `${t(town)}/mon-espace/inscriptions/${requestId}`,
  agentEnrolmentSettings: (town: TownRef, id: string) => `${t(town)}/agents/activites/${id}/inscription-en-ligne`,
  agentAllocation: (town: TownRef, id: string) => `${t(town)}/agents/activites/${id}/attribution`,

  // Dossier renewal (issue 16, enrol-renewal): the parent's campaign page and a child's
  // renewal; the agents' campaigns, their follow-up, export and per-child decisions
  renewal: (town: TownRef) => `${t(town)}/mon-espace/renouvellement`,
  renewalChild: (town: TownRef, childId: string) => `${t(town)}/mon-espace/renouvellement/${childId}`,
  agentRenewals: (town: TownRef) => `${t(town)}/agents/renouvellement`,
  agentRenewalNew: (town: TownRef) => `${t(town)}/agents/renouvellement/nouvelle`,
  agentRenewal: (town: TownRef, id: string, query?: { statut?: string }) => `${t(town)}/agents/renouvellement/${id}${queryString(query)}`,
  agentRenewalEdit: (town: TownRef, id: string) => `${t(town)}/agents/renouvellement/${id}/modifier`,
  agentRenewalExport: (town: TownRef, id: string) => `${t(town)}/agents/renouvellement/${id}/export.csv`,
  agentRenewalValidate: (town: TownRef, id: string, requestId: string) =>
    `${t(town)}/agents/renouvellement/${id}/demandes/${requestId}/valider`,
  agentRenewalIncomplete: (town: TownRef, id: string, requestId: string) =>
    `${t(town)}/agents/renouvellement/${id}/demandes/${requestId}/incomplet`,
  // School pre-enrolment (issue 16, enrol-renewal): the parent's request, and the agents' decision
  schoolEnrolment: (town: TownRef) => `${t(town)}/mon-espace/preinscription-scolaire`,
  agentSchoolEnrolment: (town: TownRef, requestId: string) => `${t(town)}/agents/secteurs-scolaires/preinscriptions/${requestId}`,
  agentSchoolEnrolmentAccept: (town: TownRef, requestId: string) =>
    `${t(town)}/agents/secteurs-scolaires/preinscriptions/${requestId}/accepter`,
  agentSchoolEnrolmentRefuse: (town: TownRef, requestId: string) =>
    `${t(town)}/agents/secteurs-scolaires/preinscriptions/${requestId}/refuser`,
  // School sectors (issue 16, enrol-renewal): the town's schools and street-to-school table
  agentSchoolSectors: (town: TownRef, query?: { q?: string; page?: number }) => `${t(town)}/agents/secteurs-scolaires${queryString(query)}`,
  agentSchoolNew: (town: TownRef) => `${t(town)}/agents/secteurs-scolaires/ecoles`,
  agentSectorNew: (town: TownRef) => `${t(town)}/agents/secteurs-scolaires/voies`,
  agentSectorDelete: (town: TownRef, id: string) => `${t(town)}/agents/secteurs-scolaires/voies/${id}/supprimer`,
  agentSectorImport: (town: TownRef) => `${t(town)}/agents/secteurs-scolaires/import`,
  // INFOS PRATIQUES (issue 17, infos): the public pages and the agents' editor
  practicalInfo: (town: TownRef) => `${t(town)}/infos-pratiques`,
  practicalInfoPage: (town: TownRef, slug: string) => `${t(town)}/infos-pratiques/${slug}`,
  agentPracticalInfo: (town: TownRef) => `${t(town)}/agents/infos-pratiques`,
  agentPracticalInfoNew: (town: TownRef) => `${t(town)}/agents/infos-pratiques/nouvelle`,
  agentPracticalInfoEdit: (town: TownRef, id: string) => `${t(town)}/agents/infos-pratiques/${id}/modifier`,
  agentPracticalInfoPublish: (town: TownRef, id: string) => `${t(town)}/agents/infos-pratiques/${id}/publier`,
  agentPracticalInfoUnpublish: (town: TownRef, id: string) => `${t(town)}/agents/infos-pratiques/${id}/retirer`,
  agentPracticalInfoFiles: (town: TownRef, id: string) => `${t(town)}/agents/infos-pratiques/${id}/fichiers`,
  agentPracticalInfoFileDelete: (town: TownRef, id: string, fileId: string) =>
    `${t(town)}/agents/infos-pratiques/${id}/fichiers/${fileId}/supprimer`,
  practicalInfoFile: (town: TownRef, slug: string, fileId: string) => `${t(town)}/infos-pratiques/${slug}/fichiers/${fileId}`,

  // Votre avis nous intéresse and reminders (issue 17, survey-reminders)
  survey: (town: TownRef) => `${t(town)}/mon-espace/votre-avis`,
  reminderPreferences: (town: TownRef) => `${t(town)}/mon-espace/compte/rappels`,
  agentSurveys: (town: TownRef) => `${t(town)}/agents/enquetes`,
  agentSurveyNew: (town: TownRef) => `${t(town)}/agents/enquetes/nouvelle`,
  agentSurvey: (town: TownRef, id: string) => `${t(town)}/agents/enquetes/${id}`,
  agentSurveyClose: (town: TownRef, id: string) => `${t(town)}/agents/enquetes/${id}/cloturer`,
  agentSurveyExport: (town: TownRef, id: string) => `${t(town)}/agents/enquetes/${id}/resultats.csv`,

  // Calendar feed and closing one's account (issue 17, feed-close)
  childCalendarFeed: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/agenda/calendrier`,
  childCalendarFeedCreate: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/agenda/calendrier/creer`,
  childCalendarFeedRevoke: (town: TownRef, childId: string) => `${t(town)}/mon-espace/enfants/${childId}/agenda/calendrier/supprimer`,
  calendarFeed: (town: TownRef, token: string) => `${t(town)}/agenda/${token}.ics`,
  accountClose: (town: TownRef) => `${t(town)}/mon-espace/compte/cloturer`,
  accountClosed: (town: TownRef) => `${t(town)}/mon-espace/compte/cloture-confirmee`,

  // NOUVELLE DÉMARCHE (issue 17, procedures): the parent's catalogue of what to ask online and
  // the town's own forms; the admins' form builder
  procedures: (town: TownRef) => `${t(town)}/mon-espace/nouvelle-demarche`,
  procedureForm: (town: TownRef, formId: string) => `${t(town)}/mon-espace/nouvelle-demarche/formulaires/${formId}`,
  agentForms: (town: TownRef) => `${t(town)}/agents/formulaires`,
  agentFormNew: (town: TownRef) => `${t(town)}/agents/formulaires/nouveau`,
  agentForm: (town: TownRef, id: string) => `${t(town)}/agents/formulaires/${id}`,
  agentFormPreview: (town: TownRef, id: string) => `${t(town)}/agents/formulaires/${id}/apercu`,
  agentFormPublish: (town: TownRef, id: string) => `${t(town)}/agents/formulaires/${id}/publier`,
  agentFormUnpublish: (town: TownRef, id: string) => `${t(town)}/agents/formulaires/${id}/depublier`,
  agentFormFields: (town: TownRef, id: string) => `${t(town)}/agents/formulaires/${id}/champs`,
  agentFormField: (town: TownRef, id: string, fieldId: string) => `${t(town)}/agents/formulaires/${id}/champs/${fieldId}`,
  agentFormFieldDelete: (town: TownRef, id: string, fieldId: string) => `${t(town)}/agents/formulaires/${id}/champs/${fieldId}/supprimer`,
  agentFormFieldUp: (town: TownRef, id: string, fieldId: string) => `${t(town)}/agents/formulaires/${id}/champs/${fieldId}/monter`,

  devMailbox: () => '/_dev/mail',
  devMail: (id: string) => `/_dev/mail/${id}`,
  healthz: () => '/healthz',
  readyz: () => '/readyz',
  // ACTUALITÉS for visitors and families (issue 17, nav-news): the archive, paged, and each item
  newsArchive: (town: TownRef, query?: { page?: number }) => `${t(town)}/actualites${queryString(query)}`,
  newsItem: (town: TownRef, id: string) => `${t(town)}/actualites/${id}`,
  // FranceConnect (issue 18): the parent's sign-in through the State's identity federation, its settings, the dev provider
  franceConnectStart: (town: TownRef) => `${t(town)}/franceconnect/connexion`,
  franceConnectCallback: (town: TownRef) => `${t(town)}/franceconnect/retour`,
  franceConnectFirstUse: (town: TownRef) => `${t(town)}/franceconnect/premiere-connexion`,
  franceConnectUnlink: (town: TownRef) => `${t(town)}/franceconnect/delier`,
  franceConnectSignup: (town: TownRef) => `${t(town)}/franceconnect/creer-mon-espace`,
  franceConnectSignOut: (town: TownRef) => `${t(town)}/franceconnect/deconnexion`,
  agentSettingsFranceConnect: (town: TownRef) => `${t(town)}/agents/parametres/franceconnect`,
  agentProConnectStart: (town: TownRef) => `${t(town)}/agents/proconnect/connexion`,
  agentProConnectCallback: (town: TownRef) => `${t(town)}/agents/proconnect/retour`,
  agentSettingsProConnect: (town: TownRef) => `${t(town)}/agents/parametres/proconnect`,
  agentTeamProConnect: (town: TownRef, id: string) => `${t(town)}/agents/equipe/${id}/proconnect`,
  devIdentityProvider: () => '/fournisseur-identite-de-test',
  devIdentityProviderInteraction: (uid: string) => `/fournisseur-identite-de-test/interaction/${uid}`,
  // The kitchen's meal counts (src/features/agents/kitchen/).
  agentKitchen: (town: TownRef, query?: { jour?: string; site?: string }) => `${t(town)}/agents/cuisine${queryString(query)}`,
  agentKitchenExport: (town: TownRef, query?: { jour?: string; site?: string }) =>
    `${t(town)}/agents/cuisine/export.csv${queryString(query)}`,
  agentKitchenPdf: (town: TownRef, query?: { jour?: string; site?: string }) => `${t(town)}/agents/cuisine/repas.pdf${queryString(query)}`,
  // The week ahead, day by day, for the kitchen's orders (issue 19)
  agentKitchenWeek: (town: TownRef, query?: { du?: string; site?: string }) => `${t(town)}/agents/cuisine/semaine${queryString(query)}`,
  // The day's roster of a site and the agents' health right (src/features/agents/roster/).
  // A class (`ecole`, `classe`, either may be empty: "sans école", "sans classe") narrows it to that class.
  agentRoster: (town: TownRef, query?: { jour?: string; site?: string }, group?: { school: string; className: string }) =>
    `${t(town)}/agents/listes${withGroup(queryString(query), group)}`,
  agentRosterPdf: (town: TownRef, query?: { jour?: string; site?: string }, group?: { school: string; className: string }) =>
    `${t(town)}/agents/listes/liste.pdf${withGroup(queryString(query), group)}`,
  agentTeamHealth: (town: TownRef, id: string) => `${t(town)}/agents/equipe/${id}/sante`,
  // Messages to a group of families (src/features/agents/messages/).
  agentMessages: (town: TownRef) => `${t(town)}/agents/messages`,
  agentMessageNew: (town: TownRef) => `${t(town)}/agents/messages/nouveau`,
  agentMessage: (town: TownRef, id: string) => `${t(town)}/agents/messages/${id}`,
  // Statistics and the CAF's monthly return (src/features/agents/statistics/).
  agentStatistics: (town: TownRef, query?: StatisticsQuery) => `${t(town)}/agents/statistiques${queryString(query)}`,
  agentStatisticsActivitiesCsv: (town: TownRef, query?: StatisticsQuery) =>
    `${t(town)}/agents/statistiques/activites.csv${queryString(query)}`,
  agentStatisticsRequestsCsv: (town: TownRef, query?: StatisticsQuery) =>
    `${t(town)}/agents/statistiques/demandes.csv${queryString(query)}`,
  agentStatisticsCaf: (town: TownRef, query?: { mois?: string }) => `${t(town)}/agents/statistiques/caf${queryString(query)}`,
  agentStatisticsCafCsv: (town: TownRef, query?: { mois?: string }) => `${t(town)}/agents/statistiques/caf.csv${queryString(query)}`,

  // The host's operators (issue 20, ADR 0024): outside any town
  operatorHome: () => '/exploitation',
  operatorSignIn: () => '/exploitation/connexion',
  operatorSignOut: () => '/exploitation/deconnexion',
  operatorTowns: () => '/exploitation/communes',
  operatorNewTown: () => '/exploitation/communes/nouvelle',
  operatorExportTown: (slug: string) => `/exploitation/communes/${slug}/export`,
  operatorRemoveTown: (slug: string) => `/exploitation/communes/${slug}/suppression`,
} as const;

/** The statistics page's filters, as its links carry them. */
export type StatisticsQuery = {
  activite?: string;
  mois?: string;
  du?: string;
  au?: string;
};

export type Urls = typeof urls;

/** An absolute link for a mail: built from PUBLIC_BASE_URL, never from the request's Host. */
export function absoluteUrl(publicBaseUrl: string, path: string): string {
  return new URL(path, `${publicBaseUrl}/`).toString();
}

/**
 * A route pattern from its link builder, for a router mounted under '/:town': the same
 * function makes the link and the route, so the two cannot drift apart.
 * `route(urls.child, ':childId')` → '/mon-espace/enfants/:childId'.
 */
export function route<A extends unknown[]>(build: (town: TownRef, ...args: A) => string, ...params: A): string {
  return build(':town', ...params).replace(/^\/:town/, '') || '/';
}
