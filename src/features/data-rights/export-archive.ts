import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { ExportPlan } from './data-rights.service.js';

/**
 * The ZIP of "Télécharger mes données", as a stream: the README and the JSON first, then
 * each stored file, read from the database only when the archive reaches it (already-
 * compressed files are stored as they are).
 */
export function exportArchive(plan: Pick<ExportPlan, 'readme' | 'json' | 'files' | 'at'>): NodeJS.ReadableStream {
  const zip = new yazl.ZipFile();
  const mtime = plan.at;
  zip.addBuffer(Buffer.from(plan.readme, 'utf8'), 'LISEZ-MOI.txt', { mtime });
  zip.addBuffer(Buffer.from(JSON.stringify(plan.json, null, 2), 'utf8'), 'donnees.json', { mtime });
  for (const file of plan.files) {
    zip.addReadStreamLazy(file.path, { mtime, compress: false }, (cb) => {
      file.load().then(
        // Deleted between the snapshot and now: an empty file rather than a broken archive.
        (content) => cb(null, Readable.from([content ?? Buffer.alloc(0)])),
        (err: Error) => cb(err, undefined as never),
      );
    });
  }
  zip.end();
  return zip.outputStream;
}
