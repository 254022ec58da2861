import crypto from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import yauzl from 'yauzl';
import { isWordCfb } from './cfb.js';

/**
 * The checks a justificatif goes through before it is stored (the private document
 * storage and the absences' attachments share them): seed 004's "Formats acceptés : pdf,
 * png, jpg, bmp, odt, docx, doc ; Taille maximum d'un fichier 3200 Ko ; Nombre maximum de
 * fichiers : 4". Pure functions over a buffer, so any route (and a worker, later) can use
 * them; src/middleware/upload.ts `uploadDocuments` wires them to multer.
 *
 * The type comes from the content, never from the name or the browser's Content-Type: the
 * extension must be allowed AND the detected type must be the one that extension means
 * (security.md §3.8). ZIP-based formats (docx, odt) have their central directory read
 * BEFORE any content sniffing decompresses anything.
 */
export const DOCUMENT_MAX_BYTES = 3200 * 1024; // 3,276,800 bytes: "3200 Ko"
export const DOCUMENT_MAX_FILES = 4;
export const DOCUMENT_FORMATS_TEXT =
  "Formats acceptés : pdf, png, jpg, bmp, odt, docx, doc ; taille maximum d'un fichier : 3200 Ko ; nombre maximum de fichiers : 4.";

/** The HTML `accept` attribute: a hint for the browser's file picker, nothing more. */
export const DOCUMENT_ACCEPT = '.pdf,.png,.jpg,.jpeg,.bmp,.odt,.docx,.doc';

/** Limits on what a docx/odt may unpack to: far above any real document, far below harm. */
export const ZIP_LIMITS = { maxTotalUncompressedBytes: 20 * 1024 * 1024, maxEntries: 1000 } as const;

interface Format {
  /** What file-type must detect. */
  detected: string;
  /** What we store and serve (for .doc, the real Word type rather than the container's). */
  mime: string;
  label: string;
  /** A structural check beyond the magic number, for formats whose magic is too weak. */
  verify?: (buffer: Buffer) => boolean;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const ODT = 'application/vnd.oasis.opendocument.text';

const FORMATS: Record<string, Format> = {
  pdf: { detected: 'application/pdf', mime: 'application/pdf', label: 'PDF' },
  png: { detected: 'image/png', mime: 'image/png', label: 'PNG' },
  jpg: { detected: 'image/jpeg', mime: 'image/jpeg', label: 'JPEG' },
  jpeg: { detected: 'image/jpeg', mime: 'image/jpeg', label: 'JPEG' },
  bmp: { detected: 'image/bmp', mime: 'image/bmp', label: 'BMP', verify: isPlausibleBmp },
  odt: { detected: ODT, mime: ODT, label: 'ODT' },
  docx: { detected: DOCX, mime: DOCX, label: 'DOCX' },
  // file-type only sees the OLE2 container ("cfb"), which .xls, .msg and .msi share.
  doc: { detected: 'application/x-cfb', mime: 'application/msword', label: 'DOC', verify: isWordCfb },
};

/** Every type a checked file may have, as stored (the migration's check lists the same). */
export const DOCUMENT_MIME_TYPES = [...new Set(Object.values(FORMATS).map((f) => f.mime))];

/** A short French name of a stored type, for lists ("PDF", "DOCX"…). */
export function formatLabel(mime: string): string {
  return Object.values(FORMATS).find((f) => f.mime === mime)?.label ?? 'Fichier';
}

/** A file as multer hands it over. */
export interface RawFile {
  buffer: Buffer;
  originalName: string;
}

/** A file that passed every check. */
export interface CheckedFile {
  buffer: Buffer;
  /** Detected from the content. */
  mime: string;
  /** The display name, sanitised (never used for a path). */
  name: string;
  size: number;
  sha256: string;
}

export type FileProblemKind = 'empty' | 'too_large' | 'extension' | 'content' | 'archive' | 'encrypted';

export type FileCheck = { ok: true; file: CheckedFile } | { ok: false; kind: FileProblemKind; message: string };

/** The French message for a refused file, naming it so the parent knows which one. */
export function fileProblemMessage(kind: FileProblemKind, name: string): string {
  const n = `Le fichier « ${name} »`;
  switch (kind) {
    case 'empty':
      return `${n} est vide`;
    case 'too_large':
      return `${n} dépasse 3200 Ko : chaque fichier doit faire 3200 Ko au maximum`;
    case 'extension':
      return `${n} n'est pas dans un format accepté (pdf, png, jpg, bmp, odt, docx ou doc)`;
    case 'content':
      return `${n} ne correspond pas à son extension : son contenu n'est pas celui d'un fichier de ce format`;
    case 'archive':
      return `${n} ne peut pas être accepté : son contenu compressé est trop volumineux ou mal formé`;
    case 'encrypted':
      return `${n} est protégé par un mot de passe : enregistrez-le sans protection puis recommencez`;
  }
}

/** The extension that decides the expected type: the last one, lower case. */
export function extensionOf(name: string): string {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(name.trim());
  return match ? match[1]!.toLowerCase() : '';
}

// Control characters, and the bidirectional controls that make "fdp.exe" look like "exe.pdf".
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name to show and to offer on download: no path, no control or bidi characters, at
 * most 150 characters keeping the extension. The stored key is a random UUID anyway.
 */
export function sanitiseFileName(original: string, fallbackExt = 'bin'): string {
  const base = original.normalize('NFC').replace(UNSAFE_IN_NAME, '').split(/[/\\]/).pop() ?? '';
  const trimmed = base.replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  if (!trimmed) return `document.${fallbackExt}`;
  if (trimmed.length <= 150) return trimmed;
  const ext = extensionOf(trimmed);
  const keep = ext ? 150 - ext.length - 1 : 150;
  return ext ? `${trimmed.slice(0, keep).trimEnd()}.${ext}` : trimmed.slice(0, keep);
}

/** Checks one file against the justificatifs' rules. Never throws for what a user uploads. */
export async function checkDocumentFile(raw: RawFile): Promise<FileCheck> {
  const ext = extensionOf(raw.originalName);
  const name = sanitiseFileName(raw.originalName, ext || 'bin');
  const fail = (kind: FileProblemKind): FileCheck => ({ ok: false, kind, message: fileProblemMessage(kind, name) });
  const format = FORMATS[ext];
  if (!format) return fail('extension');
  if (raw.buffer.length === 0) return fail('empty');
  if (raw.buffer.length > DOCUMENT_MAX_BYTES) return fail('too_large');

  if (looksLikeZip(raw.buffer)) {
    const zip = await inspectZip(raw.buffer);
    if (!zip.ok) return fail(zip.reason === 'encrypted' ? 'encrypted' : 'archive');
  }
  let detected: string | undefined;
  try {
    detected = (await fileTypeFromBuffer(raw.buffer))?.mime;
  } catch {
    detected = undefined; // a malformed file some parser chokes on is simply not that type
  }
  if (detected !== format.detected) return fail('content');
  if (format.verify && !format.verify(raw.buffer)) return fail('content');
  return {
    ok: true,
    file: {
      buffer: raw.buffer,
      mime: format.mime,
      name,
      size: raw.buffer.length,
      sha256: crypto.createHash('sha256').update(raw.buffer).digest('hex'),
    },
  };
}

// ---------------------------------------------------------------- ZIP containers

export function looksLikeZip(buffer: Buffer): boolean {
  return (
    buffer.length >= 4 && buffer[0] === 0x50 && buffer[1] === 0x4b && (buffer[2] === 3 || buffer[2] === 5) && buffer[3] === buffer[2] + 1
  );
}

export type ZipInspection =
  | { ok: true; entries: number; totalUncompressedBytes: number }
  | { ok: false; reason: 'too_large' | 'too_many_entries' | 'unsafe_path' | 'encrypted' | 'malformed' };

/** A name that would land outside the folder it is extracted to. */
export function isUnsafeZipPath(name: string): boolean {
  const path = name.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\0')) return true;
  return path.split('/').some((segment) => segment === '..');
}

/**
 * Reads a ZIP's central directory only — no entry is decompressed — and refuses it when it
 * would unpack to more than `maxTotalUncompressedBytes`, has more than `maxEntries`
 * entries, an absolute or `..` path, or an encrypted entry (ASVS 5 5.2.3).
 */
export function inspectZip(
  buffer: Buffer,
  limits: { maxTotalUncompressedBytes: number; maxEntries: number } = ZIP_LIMITS,
): Promise<ZipInspection> {
  return new Promise((resolve) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zipfile) => {
      if (err || !zipfile) return resolve({ ok: false, reason: 'malformed' });
      if (zipfile.entryCount > limits.maxEntries) {
        zipfile.close();
        return resolve({ ok: false, reason: 'too_many_entries' });
      }
      let total = 0;
      let entries = 0;
      let settled = false;
      const settle = (result: ZipInspection) => {
        if (settled) return;
        settled = true;
        if (zipfile.isOpen) zipfile.close();
        resolve(result);
      };
      zipfile.on('error', () => settle({ ok: false, reason: 'malformed' }));
      zipfile.on('entry', (entry: yauzl.Entry) => {
        entries += 1;
        total += entry.uncompressedSize;
        const name = Buffer.isBuffer(entry.fileName) ? (entry.fileName as Buffer).toString('latin1') : entry.fileName;
        if (entries > limits.maxEntries) return settle({ ok: false, reason: 'too_many_entries' });
        if (isUnsafeZipPath(name)) return settle({ ok: false, reason: 'unsafe_path' });
        if (entry.isEncrypted()) return settle({ ok: false, reason: 'encrypted' });
        if (total > limits.maxTotalUncompressedBytes) return settle({ ok: false, reason: 'too_large' });
        zipfile.readEntry();
      });
      zipfile.on('end', () => settle({ ok: true, entries, totalUncompressedBytes: total }));
      zipfile.readEntry();
    });
  });
}

// ---------------------------------------------------------------- BMP

/**
 * file-type recognises a BMP by its first two bytes ("BM") alone, which any text can
 * start with: also require a known DIB header size and a pixel offset inside the file.
 */
function isPlausibleBmp(buffer: Buffer): boolean {
  if (buffer.length < 26) return false;
  const pixelOffset = buffer.readUInt32LE(10);
  const dibSize = buffer.readUInt32LE(14);
  return [12, 40, 52, 56, 64, 108, 124].includes(dibSize) && pixelOffset >= 14 + dibSize && pixelOffset <= buffer.length;
}

// ---------------------------------------------------------------- sizes in French

const oneDecimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/**
 * "850 octets", "120 Ko", "2,5 Mo" (a no-break space before the unit): binary units, as
 * the seed's "3200 Ko" (= 3,276,800 bytes) and the 100 Mo quota (= 104,857,600 bytes)
 * count them. A file's size is said in Ko like the seed's limit (`unit: 'Ko'`), rounded
 * up so a file one byte over 3200 Ko never reads "3200 Ko"; totals switch to Mo.
 */
export function formatBytes(bytes: number, unit: 'auto' | 'Ko' = 'auto'): string {
  if (bytes < 1024) return `${bytes}\u00a0octet${bytes > 1 ? 's' : ''}`;
  if (unit === 'Ko' || bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)}\u00a0Ko`;
  return `${oneDecimal.format(Math.floor((bytes / (1024 * 1024)) * 10) / 10)}\u00a0Mo`;
}
