import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../lib/errors.js';

/**
 * A NUL byte is never typed by a person and PostgreSQL cannot store one in text ("invalid
 * byte sequence"); nor can it store a lone UTF-16 surrogate in json (the session, a draft),
 * which no keyboard produces either. A request carrying one anywhere is refused up front with
 * the French 400 page, once for every route, instead of each handler having to remember it.
 */
export class NulByteError extends HttpError {
  constructor() {
    super(400, 'NUL byte in the request');
  }
}

/** Whether a string holds a NUL byte or a lone surrogate (not well-formed UTF-16). */
const unstorable = (s: string) => s.includes('\0') || !s.isWellFormed();

/** Whether a parsed value (string, array, object of them), keys included, holds an unstorable character. */
export function hasNulByte(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return unstorable(value);
  // The body parsers nest a few levels at most; deeper is refused rather than walked.
  if (depth > 8) return true;
  if (Array.isArray(value)) return value.some((v) => hasNulByte(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => unstorable(k) || hasNulByte(v, depth + 1));
  }
  return false;
}

/**
 * The path and query are checked on the raw URL (Express decodes path parameters only once
 * a route matches, so this covers every `:param` before any handler sees it), the body as
 * parsed — urlencoded and multipart alike, since both parsers run before this (app.ts).
 * Refused rather than stripped: what is stored is always what was sent.
 */
export function rejectNulBytes(req: Request, _res: Response, next: NextFunction): void {
  if (/%00|\0/i.test(req.originalUrl) || hasNulByte(req.body)) return next(new NulByteError());
  next();
}
