import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/**
 * A hashed URL never changes content, so browsers and proxies may keep it a year without
 * asking again; a new version of the file gets a new URL, which the next page links to.
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The plain URL (/public/css/main.css, still linked by /favicon.ico's redirect and old bookmarks) is revalidated. */
const REVALIDATE = 'no-cache';

export interface StaticAssets {
  /** The URL of a file of the directory, with its content hash: asset('css/main.css') → '/public/css/main.1a2b3c4d5e6f.css'. */
  url(file: string): string;
  /** Serves the directory: hashed URLs with immutable caching, plain ones revalidated. */
  handler: RequestHandler;
}

interface Entry {
  mtimeMs: number;
  size: number;
  url: string;
}

/** main.css + hash → main.<hash>.css; a name without an extension gets the hash at its end. */
function hashedName(file: string, hash: string): string {
  const ext = path.posix.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${hash}${ext}`;
}

/**
 * The files of `dir`, served under `mountPath` with their content hash in the name. The
 * hashes are computed once, at start-up (a few small files). With `watch` (outside
 * production), a file edited while the app runs is hashed again at its next link, so a
 * developer's browser never keeps a stale stylesheet; a production image never changes.
 */
export function staticAssets(dir: string, options: { mountPath?: string; watch?: boolean } = {}): StaticAssets {
  const mountPath = options.mountPath ?? '/public';
  const entries = new Map<string, Entry>();
  /** Hashed path under the mount point ('/css/main.1a2b….css') → the file's own ('/css/main.css'). */
  const byHashedPath = new Map<string, string>();

  const hashOf = (file: string): Entry | undefined => {
    const full = path.join(dir, file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const known = entries.get(file);
    if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known;
    // The old URL stops answering: only the current content is ever served as immutable.
    if (known) byHashedPath.delete(known.url.slice(mountPath.length));
    const hash = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex').slice(0, 12);
    const relative = `/${hashedName(file, hash)}`;
    const entry = { mtimeMs: stat.mtimeMs, size: stat.size, url: `${mountPath}${relative}` };
    entries.set(file, entry);
    byHashedPath.set(relative, `/${file}`);
    return entry;
  };

  const walk = (sub: string) => {
    for (const item of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const file = sub ? `${sub}/${item.name}` : item.name;
      if (item.isDirectory()) walk(file);
      else if (item.isFile()) hashOf(file);
    }
  };
  walk('');

  const serve = express.static(dir, {
    index: false,
    // Set below, by whether the URL held the hash.
    cacheControl: false,
    setHeaders: (res) => {
      res.setHeader('Cache-Control', (res as unknown as { locals: { hashedAsset?: boolean } }).locals.hashedAsset ? IMMUTABLE : REVALIDATE);
    },
  });

  return {
    url(file: string): string {
      const entry = options.watch ? hashOf(file) : entries.get(file);
      // A view linking a file that does not exist is a bug to see at once, not a 404 in a browser.
      if (!entry) throw new Error(`asset('${file}'): no such file in ${dir}`);
      return entry.url;
    },
    handler: (req, res, next) => {
      const file = byHashedPath.get(req.path);
      if (file) {
        res.locals.hashedAsset = true;
        req.url = file;
      }
      serve(req, res, next);
    },
  };
}
