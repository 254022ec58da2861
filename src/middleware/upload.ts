import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import multer from 'multer';
import { CsrfError, HttpError } from '../lib/errors.js';
import {
  checkDocumentFile,
  fileProblemMessage,
  sanitiseFileName,
  type CheckedFile,
  type FileCheck,
  type RawFile,
} from '../lib/file-checks.js';
import { hasValidCsrfToken } from './csrf.js';
import { UPLOAD_ROUTES, type FileBounds, type UploadRoute } from './upload-routes.js';
import { clip } from '../lib/forms.js';
/** A file that passed every check: its type comes from its content, never from its name. */
export interface UploadedFile {
  buffer: Buffer;
  /** The detected type, one of the route's `types`. */
  mime: string;
  ext: string;
  /** As the browser sent it: for display only, never for a path or a type. */
  originalName: string;
  size: number;
}

/** Why the file was refused: the form is shown again with this message beside the field. */
export interface UploadProblem {
  field: string;
  status: 400 | 413;
  message: string;
}

export interface UploadResult {
  file?: UploadedFile;
  problem?: UploadProblem;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The bounds `parseMultipart` read files within: set on the routes of `UPLOAD_ROUTES` only. */
    fileBounds?: FileBounds;
    /** Why `parseMultipart` stopped reading the body (a limit), for the upload route to explain. */
    multipartProblem?: multer.MulterError;
    /** Set by `uploadSingle` on the routes that take a file. */
    upload?: UploadResult;
    /** Set by `uploadFiles` / `uploadDocuments` on the routes that take several files. */
    uploads?: FilesUploadResult;
  }
}

/** The route's entry of `UPLOAD_ROUTES` (one file), with what the file must be. */
export interface UploadOptions extends FileBounds {
  maxFiles: 1;
  /** Allowed detected types, e.g. ['image/png', 'image/jpeg']. */
  types: readonly string[];
  /** French messages, written for the field ("La photo doit …"). */
  messages: { tooLarge: string; wrongType: string };
}

/** The absence form has a checkbox per enrolment and stored document: the most fields of any multipart form. */
const MULTIPART_MAX_FIELDS = 200;

/** Every multipart body is parsed with these; only `UPLOAD_ROUTES` add files to them. */
function multipartParser(bounds: FileBounds | undefined): RequestHandler {
  const files = bounds?.maxFiles ?? 0;
  return multer({
    storage: multer.memoryStorage(),
    // File names as the browser sends them: UTF-8 ("Attestation CAF été.pdf").
    defParamCharset: 'utf8',
    limits: {
      fileSize: bounds?.maxBytes ?? 0,
      files,
      fields: MULTIPART_MAX_FIELDS,
      fieldSize: 16 * 1024,
      fieldNameSize: 100,
      parts: MULTIPART_MAX_FIELDS + files + 1,
    },
    fileFilter: (req, _file, accept) => {
      if (!hasValidCsrfToken(req)) return accept(new CsrfError());
      accept(null, true);
    },
  }).any();
}

/**
 * Every multipart body is parsed here, once, before the CSRF check — never by a route —
 * so the token is checked on every state-changing request whatever its content type (a
 * multipart POST to a route that takes no file used to skip it). Files are read only on
 * the POST routes of `UPLOAD_ROUTES`, within that route's bounds (`req.fileBounds`):
 * elsewhere a file part ends the request (403 without the token, else 413) and is never
 * buffered, so no route but an upload route can be made to hold files in memory before
 * its guards run. The token must come before the files in the form (the CSRF partial is a
 * form's first field): a file part reached without a valid token ends the request with a
 * 403 before a byte of it is kept. On an upload route a limit reached is not an error but
 * `req.multipartProblem`, so the route can re-render its form with the typed values and a
 * message beside the field.
 */
export function parseMultipart(uploadRoutes: readonly UploadRoute[] = Object.values(UPLOAD_ROUTES)): RequestHandler {
  // Express's own router picks the route, so a path matches here exactly as in the route tables.
  const pick = Router();
  for (const entry of uploadRoutes) {
    const bounds: FileBounds = { field: entry.field, maxFiles: entry.maxFiles, maxBytes: entry.maxBytes };
    pick.post(`/:town${entry.path}`, (req, _res, next) => {
      req.fileBounds = bounds;
      next('router');
    });
  }
  const parsers = new Map<FileBounds | undefined, RequestHandler>();
  const parserFor = (bounds: FileBounds | undefined) => {
    let parser = parsers.get(bounds);
    if (!parser) parsers.set(bounds, (parser = multipartParser(bounds)));
    return parser;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    pick(req, res, (pickErr?: unknown) => {
      if (pickErr) return next(pickErr);
      const bounds = req.fileBounds;
      parserFor(bounds)(req, res, (err: unknown) => {
        if (!err || err instanceof CsrfError) return next(err);
        if (err instanceof multer.MulterError && (err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FILE_COUNT')) {
          // A file where the route takes none: the fields before it were parsed, so say 403 to a
          // request without the token (as everywhere) and 413 to one with it.
          if (!bounds) return next(hasValidCsrfToken(req) ? new HttpError(413, 'file on a route that takes none') : new CsrfError());
          // The fields before the file were parsed: the token is still checked, then the route explains.
          req.multipartProblem = err;
          return next();
        }
        // Too many fields or parts, or a field too long: not a form of ours, and what was read is
        // cut short, so no route may act on it (as the urlencoded parser's 413).
        if (err instanceof multer.MulterError) return next(new HttpError(413, `multipart limit: ${err.code}`));
        // Malformed multipart (busboy): nothing to show again.
        next(new HttpError(400, `malformed multipart body: ${(err as Error).message}`));
      });
    });
  };
}

/** The received files of one field, within a route's own bounds; what went wrong otherwise. */
export interface ReceivedFiles {
  files: Express.Multer.File[];
  problem?: { kind: 'too_large'; fileName?: string } | { kind: 'too_many' } | { kind: 'unexpected' };
}

/**
 * Takes the files `parseMultipart` kept for the route's field, within the route's bounds
 * (the files leave `req`, so nothing else reads them). The bounds must be the route's
 * entry of `UPLOAD_ROUTES`, the ones the parser applied: a route that is not declared
 * there, or declares other bounds, fails loudly rather than silently taking no file. A
 * file in another field is refused: a route reads only the field it names.
 */
export function takeFiles(req: Request, bounds: FileBounds): ReceivedFiles {
  const declared = req.fileBounds;
  if (!declared || declared.field !== bounds.field || declared.maxFiles !== bounds.maxFiles || declared.maxBytes !== bounds.maxBytes) {
    throw new Error(`upload route ${req.originalUrl} takes "${bounds.field}" with bounds not declared in UPLOAD_ROUTES`);
  }
  const field = bounds.field;
  const all = Array.isArray(req.files) ? req.files : [];
  req.files = undefined;
  const files = all.filter((f) => f.fieldname === field);
  const limit = req.multipartProblem;
  if (limit) {
    if (limit.code === 'LIMIT_FILE_SIZE') {
      // multer ≥ 2.1 names the file that went over the limit.
      const fileName = (limit as { filename?: unknown }).filename;
      return { files: [], problem: { kind: 'too_large', fileName: typeof fileName === 'string' ? fileName : undefined } };
    }
    return { files: [], problem: { kind: 'too_many' } };
  }
  if (files.length < all.length) return { files: [], problem: { kind: 'unexpected' } };
  if (files.length > bounds.maxFiles) return { files: [], problem: { kind: 'too_many' } };
  const tooLarge = files.find((f) => f.size > bounds.maxBytes);
  if (tooLarge) return { files: [], problem: { kind: 'too_large', fileName: tooLarge.originalname } };
  return { files };
}

const UNEXPECTED_FIELD = "Le fichier n'a pas été envoyé depuis le bon champ : rechargez la page et recommencez";

/**
 * One file from a multipart form, in the order security.md §3.4 asks for: the global
 * middleware has already refused cross-site requests, parsed the body into memory with
 * strict limits (nothing touches the disk) and checked the CSRF token; here the route's
 * own bounds apply, then the content is sniffed. A refused file is not an exception but
 * `req.upload.problem`, so the route re-renders its form with the typed values and a
 * message beside the field (413 for size, 400 otherwise).
 */
export function uploadSingle(options: UploadOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    void check().then(() => next(), next);

    async function check(): Promise<void> {
      const received = takeFiles(req, options);
      const problem = received.problem;
      if (problem) {
        const message =
          problem.kind === 'too_large'
            ? options.messages.tooLarge
            : problem.kind === 'too_many'
              ? 'Envoyez un seul fichier'
              : UNEXPECTED_FIELD;
        req.upload = { problem: { field: options.field, status: problem.kind === 'too_large' ? 413 : 400, message } };
        return;
      }
      const raw = received.files[0];
      if (!raw || raw.size === 0) {
        req.upload = {};
        return;
      }
      const detected = await fileTypeFromBuffer(raw.buffer);
      if (!detected || !options.types.includes(detected.mime)) {
        req.upload = { problem: { field: options.field, status: 400, message: options.messages.wrongType } };
        return;
      }
      req.upload = {
        file: { buffer: raw.buffer, mime: detected.mime, ext: detected.ext, originalName: clip(raw.originalname, 200), size: raw.size },
      };
    }
  };
}

// ---------------------------------------------------------------- several files (justificatifs)

/**
 * What `uploadFiles` leaves on `req.uploads`: either every file passed (`files`, possibly
 * none) or there is a `problem` and `files` is empty — all or nothing, so a route never
 * stores some files of a refused form.
 */
export interface FilesUploadResult {
  files: CheckedFile[];
  problem?: UploadProblem;
  /** How many files the browser sent (to tell "none chosen" from "all refused"). */
  received: number;
}

/** The route's entry of `UPLOAD_ROUTES` (its file input has `multiple`), with each file's checks. */
export interface FilesUploadOptions extends FileBounds {
  /** Content checks for one file (src/lib/file-checks.ts). */
  check: (raw: RawFile) => Promise<FileCheck>;
  messages: { tooLarge: string; tooMany: string };
}

/**
 * Up to `maxFiles` files from one multipart field, after `parseMultipart` and the CSRF
 * check: the route's bounds, then each file's content check. Put the file input LAST in
 * the form: when the parser stops at an oversized or extra file, the fields after it are
 * lost, while those before it (the token, the typed values) are kept to re-render the form.
 */
export function uploadFiles(options: FilesUploadOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    void check().then(() => next(), next);

    async function check(): Promise<void> {
      const sentCount = Array.isArray(req.files) ? req.files.filter((f) => f.fieldname === options.field).length : 0;
      const received = takeFiles(req, options);
      const problem = received.problem;
      if (problem) {
        let message: string;
        if (problem.kind === 'too_large') {
          message = problem.fileName ? fileProblemMessage('too_large', sanitiseFileName(problem.fileName)) : options.messages.tooLarge;
        } else if (problem.kind === 'too_many') {
          message = options.messages.tooMany;
        } else {
          message = UNEXPECTED_FIELD;
        }
        req.uploads = {
          files: [],
          problem: { field: options.field, status: problem.kind === 'too_large' ? 413 : 400, message },
          received: sentCount,
        };
        return;
      }
      const checked: CheckedFile[] = [];
      const messages: string[] = [];
      for (const raw of received.files) {
        const result = await options.check({ buffer: raw.buffer, originalName: raw.originalname });
        if (result.ok) checked.push(result.file);
        else messages.push(result.message);
      }
      req.uploads =
        messages.length > 0
          ? { files: [], problem: { field: options.field, status: 400, message: messages.join('. ') }, received: sentCount }
          : { files: checked, received: sentCount };
    }
  };
}

/**
 * The justificatifs' rules (seed 004): pdf, png, jpg, bmp, odt, docx, doc, within the
 * route's entry of `UPLOAD_ROUTES` (3200 Ko a file, 4 files).
 */
export function uploadDocuments(route: FileBounds): RequestHandler {
  return uploadFiles({
    field: route.field,
    maxFiles: route.maxFiles,
    maxBytes: route.maxBytes,
    check: checkDocumentFile,
    messages: {
      tooLarge: `Chaque fichier doit faire ${Math.round(route.maxBytes / 1024)} Ko au maximum`,
      tooMany: `Joignez ${route.maxFiles} fichiers au maximum`,
    },
  });
}
