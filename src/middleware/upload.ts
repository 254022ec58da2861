import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import multer from 'multer';
import { HttpError } from '../lib/errors.js';
import {
  checkDocumentFile,
  DOCUMENT_MAX_BYTES,
  DOCUMENT_MAX_FILES,
  fileProblemMessage,
  sanitiseFileName,
  type CheckedFile,
  type FileCheck,
  type RawFile,
} from '../lib/file-checks.js';
import { currentCsrfToken, verifyCsrf } from './csrf.js';
import { refuseNulBytes } from './nul-bytes.js';

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
    /** Set by `uploadSingle` on the routes that take a file. */
    upload?: UploadResult;
    /** Set by `uploadFiles` / `uploadDocuments` on the routes that take several files. */
    uploads?: FilesUploadResult;
  }
}

export interface UploadOptions {
  /** The file input's name (= id). */
  field: string;
  maxBytes: number;
  /** Allowed detected types, e.g. ['image/png', 'image/jpeg']. */
  types: readonly string[];
  /** French messages, written for the field ("La photo doit …"). */
  messages: { tooLarge: string; wrongType: string };
  /** How many other form fields the form has, at most (a bound, not an exact count). */
  maxFields?: number;
}

const GENERIC: Record<string, string> = {
  LIMIT_FILE_COUNT: 'Envoyez un seul fichier',
  LIMIT_UNEXPECTED_FILE: "Le fichier n'a pas été envoyé depuis le bon champ : rechargez la page et recommencez",
};

/**
 * One file from a multipart form, in the order security.md §3.4 asks for: the global
 * middleware has already refused cross-site requests (no body needed); multer parses
 * into memory with strict limits (nothing touches the disk); the CSRF token is checked
 * against the parsed body; only then is the content sniffed. A refused file is not an
 * exception but `req.upload.problem`, so the route re-renders its form with the typed
 * values and a message beside the field (413 for size, 400 otherwise). Put the CSRF
 * input before the file input in the form: when multer stops at an oversized file, the
 * fields after it are lost.
 */
export function uploadSingle(options: UploadOptions): RequestHandler {
  const parser = multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: options.maxBytes,
      files: 1,
      fields: options.maxFields ?? 30,
      fieldSize: 16 * 1024,
      fieldNameSize: 100,
      parts: (options.maxFields ?? 30) + 2,
    },
  }).single(options.field);

  return (req: Request, res: Response, next: NextFunction) => {
    parser(req, res, (err: unknown) => {
      void finish(err).then(next, next);
    });

    async function finish(err: unknown): Promise<void> {
      let problem: UploadProblem | undefined;
      if (err instanceof multer.MulterError) {
        // The fields before the file were parsed: the token can still be checked.
        problem = {
          field: options.field,
          status: err.code === 'LIMIT_FILE_SIZE' ? 413 : 400,
          message: err.code === 'LIMIT_FILE_SIZE' ? options.messages.tooLarge : (GENERIC[err.code] ?? options.messages.wrongType),
        };
        req.file = undefined;
      } else if (err) {
        // Malformed multipart (busboy): nothing to show again.
        throw new HttpError(400, `malformed multipart body: ${(err as Error).message}`);
      }
      verifyCsrf(req);
      refuseNulBytes(req.body);
      exposeCsrfToken(req, res);

      const raw = req.file;
      req.file = undefined;
      if (problem || !raw || raw.size === 0) {
        req.upload = problem ? { problem } : {};
        return;
      }
      const detected = await fileTypeFromBuffer(raw.buffer);
      if (!detected || !options.types.includes(detected.mime)) {
        req.upload = { problem: { field: options.field, status: 400, message: options.messages.wrongType } };
        return;
      }
      req.upload = {
        file: { buffer: raw.buffer, mime: detected.mime, ext: detected.ext, originalName: raw.originalname.slice(0, 200), size: raw.size },
      };
    }
  };
}

/**
 * The global CSRF middleware skips multipart requests, so it did not give the views a
 * token for a page re-rendered after this POST.
 */
function exposeCsrfToken(req: Request, res: Response): void {
  // The session's current token, not a new one: another open tab keeps working.
  res.locals.csrfToken = () => currentCsrfToken(req);
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

export interface FilesUploadOptions {
  /** The file input's name (= id); the input has `multiple`. */
  field: string;
  maxFiles: number;
  maxBytes: number;
  /** Content checks for one file (src/lib/file-checks.ts). */
  check: (raw: RawFile) => Promise<FileCheck>;
  messages: { tooLarge: string; tooMany: string };
  maxFields?: number;
}

/**
 * Up to `maxFiles` files from one multipart field, in the order of `uploadSingle`:
 * multer into memory with strict limits (per file size, file count, fields, parts), then
 * the CSRF token from the parsed body (a missing token throws CsrfError: 403, nothing
 * stored), then each file's content check. Put the file input LAST in the form: when
 * multer stops at an oversized or extra file, the fields after it are lost, while those
 * before it (the token, the typed values) are kept to re-render the form.
 */
export function uploadFiles(options: FilesUploadOptions): RequestHandler {
  const maxFields = options.maxFields ?? 30;
  const parser = multer({
    storage: multer.memoryStorage(),
    // File names as the browser sends them: UTF-8 ("Attestation CAF été.pdf").
    defParamCharset: 'utf8',
    limits: {
      fileSize: options.maxBytes,
      files: options.maxFiles,
      fields: maxFields,
      fieldSize: 16 * 1024,
      fieldNameSize: 100,
      parts: maxFields + options.maxFiles + 1,
    },
  }).array(options.field, options.maxFiles);

  return (req: Request, res: Response, next: NextFunction) => {
    parser(req, res, (err: unknown) => {
      void finish(err).then(next, next);
    });

    async function finish(err: unknown): Promise<void> {
      let problem: UploadProblem | undefined;
      const sent = Array.isArray(req.files) ? req.files : [];
      req.files = undefined;
      if (err instanceof multer.MulterError) {
        // multer ≥ 2.1 names the file that went over the limit: say which one.
        const fileName = (err as { filename?: unknown }).filename;
        const tooMany = err.code === 'LIMIT_FILE_COUNT' || (err.code === 'LIMIT_UNEXPECTED_FILE' && err.field === options.field);
        let message: string;
        if (err.code === 'LIMIT_FILE_SIZE') {
          message = typeof fileName === 'string' ? fileProblemMessage('too_large', sanitiseFileName(fileName)) : options.messages.tooLarge;
        } else if (tooMany) {
          message = options.messages.tooMany;
        } else {
          message = GENERIC[err.code] ?? "Le formulaire envoyé n'est pas valide : rechargez la page et recommencez";
        }
        problem = { field: options.field, status: err.code === 'LIMIT_FILE_SIZE' ? 413 : 400, message };
      } else if (err) {
        throw new HttpError(400, `malformed multipart body: ${(err as Error).message}`);
      }
      // Before the check: the 403 page of a signed-in parent has a sign-out form too.
      exposeCsrfToken(req, res);
      verifyCsrf(req);
      refuseNulBytes(req.body);
      if (problem) {
        req.uploads = { files: [], problem, received: sent.length };
        return;
      }
      const checked: CheckedFile[] = [];
      const messages: string[] = [];
      for (const raw of sent) {
        const result = await options.check({ buffer: raw.buffer, originalName: raw.originalname });
        if (result.ok) checked.push(result.file);
        else messages.push(result.message);
      }
      req.uploads =
        messages.length > 0
          ? { files: [], problem: { field: options.field, status: 400, message: messages.join('. ') }, received: sent.length }
          : { files: checked, received: sent.length };
    }
  };
}

/** The justificatifs' rules (seed 004): pdf, png, jpg, bmp, odt, docx, doc; 3200 Ko a file; 4 files. */
export function uploadDocuments(field = 'fichiers', maxFields = 30): RequestHandler {
  return uploadFiles({
    field,
    maxFiles: DOCUMENT_MAX_FILES,
    maxBytes: DOCUMENT_MAX_BYTES,
    maxFields,
    check: checkDocumentFile,
    messages: {
      tooLarge: 'Chaque fichier doit faire 3200 Ko au maximum',
      tooMany: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum`,
    },
  });
}
