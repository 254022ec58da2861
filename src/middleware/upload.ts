import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import multer from 'multer';
import { HttpError } from '../lib/errors.js';
import { currentCsrfToken, verifyCsrf } from './csrf.js';

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
