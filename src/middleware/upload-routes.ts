import { DOCUMENT_MAX_BYTES, DOCUMENT_MAX_FILES } from '../lib/file-checks.js';
import { route, urls } from '../routes.js';

/** The files one route takes: its one file input, how many files, how large each may be. */
export interface FileBounds {
  field: string;
  maxFiles: number;
  maxBytes: number;
}

export interface UploadRoute extends FileBounds {
  /** The POST pattern under '/:town', as the route table declares it (`route(urls.x, …)`). */
  path: string;
}

/** The justificatifs' bounds (seed 004): 4 files of 3200 Ko, in the field 'fichiers'. */
const DOCUMENTS = { field: 'fichiers', maxFiles: DOCUMENT_MAX_FILES, maxBytes: DOCUMENT_MAX_BYTES } as const;

/**
 * The only routes that take files, with their bounds (ADR 0014). `parseMultipart` reads a
 * multipart body's files only on these paths and only within these bounds; everywhere else
 * a file part is refused before a byte of it is kept. Each route table declares its upload
 * route with this entry's `path` and hands the entry to `uploadSingle` / `uploadFiles` /
 * `takeFiles`, which refuse bounds that differ from it, so the two cannot drift.
 */
export const UPLOAD_ROUTES = {
  /** Créer mon espace, IDENTITÉ: one photo of 1 Mo. */
  signupIdentite: { path: route(urls.signupStep, 'identite'), field: 'photo', maxFiles: 1, maxBytes: 1024 * 1024 },
  documentNew: { path: route(urls.documentNew), ...DOCUMENTS },
  absenceStep1: { path: route(urls.absenceForm, ':childId'), ...DOCUMENTS },
  requestMessage: { path: route(urls.requestMessages, ':id'), ...DOCUMENTS },
  agentRequestMessage: { path: route(urls.agentRequestMessages, ':id'), ...DOCUMENTS },
  /** The parent's QF declaration and its attestation CAF (issue 14). */
  quotientDeclaration: { path: route(urls.quotientDeclaration), ...DOCUMENTS },
  /** "Inscrire mon enfant" and the pieces the activity requires (issue 16). */
  enrolChild: { path: route(urls.enrolChild), ...DOCUMENTS },

  /** A child's dossier renewal and its pieces (issue 16). */
  renewalChild: { path: route(urls.renewalChild, ':childId'), ...DOCUMENTS },
  /** A school pre-enrolment and its pieces (issue 16). */
  schoolEnrolment: { path: route(urls.schoolEnrolment), ...DOCUMENTS },
  /** The street-to-school sector table as CSV (issue 16): 20,000 lines are well under 2 Mo. */
  agentSectorImport: { path: route(urls.agentSectorImport), field: 'fichier', maxFiles: 1, maxBytes: 2 * 1024 * 1024 },
  /** A town's file of 20,000 families is well under 10 Mo. */
  agentImport: { path: route(urls.agentImport), field: 'fichier', maxFiles: 1, maxBytes: 10 * 1024 * 1024 },
  /** Files to download from an INFOS PRATIQUES page (issue 17): the justificatifs' formats and size. */
  agentPracticalInfoFiles: { path: route(urls.agentPracticalInfoFiles, ':pageId'), ...DOCUMENTS },
  /** A town form's attachment (NOUVELLE DÉMARCHE, issue 17): one file field per form, the justificatifs' bounds. */
  procedureForm: { path: route(urls.procedureForm, ':formId'), ...DOCUMENTS },
} as const satisfies Record<string, UploadRoute>;
