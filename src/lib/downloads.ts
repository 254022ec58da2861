import type { Response } from 'express';

/** RFC 5987 attr-char: what may stay as is in `filename*`; everything else is %-encoded. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the ASCII fallback drops
 * accents and anything that could end the quoted string or the header (quotes,
 * backslashes, control characters); modern browsers use the UTF-8 form.
 */
export function contentDisposition(fileName: string): string {
  const ascii =
    fileName
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .replace(/[^\x20-\x7e]|["\\%]/g, '_')
      .trim() || 'document';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

/**
 * Sends a stored file as a download, never for display: the type detected at upload,
 * `nosniff`, no cache anywhere, and a sandboxing CSP so that even a file a browser chose
 * to render could run nothing and load nothing (security.md §3.8).
 */
export function sendAttachment(res: Response, file: { fileName: string; contentType: string; content: Buffer }): void {
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(file.fileName));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Content-Length', String(file.content.length));
  res.end(file.content);
}
