import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { exportArchive } from './export-archive.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('the archive of "Télécharger mes données"', () => {
  it('holds the README, the JSON and each file, an empty one for a file deleted meanwhile', async () => {
    const zip = await collect(
      exportArchive({
        readme: 'Lisez-moi',
        json: { compte: { nom: 'DURAND' } },
        at: new Date('2026-12-02T10:00:00Z'),
        files: [
          { path: 'pieces/attestation.pdf', load: async () => Buffer.from('%PDF-1.7') },
          { path: 'pieces/supprime.pdf', load: async () => undefined },
        ],
      }),
    );
    const entries = await new Promise<Map<string, number>>((resolve, reject) => {
      yauzl.fromBuffer(zip, { lazyEntries: false }, (err, file) => {
        if (err || !file) return reject(err);
        const found = new Map<string, number>();
        file.on('entry', (e: yauzl.Entry) => found.set(e.fileName, e.uncompressedSize));
        file.on('end', () => resolve(found));
      });
    });
    expect([...entries.keys()]).toEqual(['LISEZ-MOI.txt', 'donnees.json', 'pieces/attestation.pdf', 'pieces/supprime.pdf']);
    expect(entries.get('pieces/attestation.pdf')).toBe(8);
    expect(entries.get('pieces/supprime.pdf')).toBe(0);
  });
});
