import yazl from 'yazl';

/**
 * Real files of every accepted justificatif format, built in memory, plus the hostile
 * ones the upload rules must refuse (security.md group I). Shared by the documents and
 * absences tests.
 */

/** A small, valid one-page PDF whose page says `text`. `size` pads it (after %%EOF) to exactly that many bytes. */
export function pdf(text = 'Justificatif', size?: number): Buffer {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 14 Tf 20 100 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return padTo(Buffer.from(body, 'latin1'), size);
}

/** A real 1×1 PNG, padded with a trailing (ignored) run of bytes when `size` is given. */
export function png(size?: number): Buffer {
  return padTo(
    Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
    size,
  );
}

export function jpeg(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.alloc(200, 0),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A 1×1, 24-bit BMP. */
export function bmp(): Buffer {
  const b = Buffer.alloc(58);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(58, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(1, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(4, 34);
  b.writeUInt8(0xff, 56);
  return b;
}

function padTo(buffer: Buffer, size?: number): Buffer {
  if (size === undefined) return buffer;
  if (size < buffer.length) throw new Error(`cannot pad ${buffer.length} bytes down to ${size}`);
  return Buffer.concat([buffer, Buffer.alloc(size - buffer.length, 0x20)]);
}

// ---------------------------------------------------------------- ZIP-based formats

interface ZipEntry {
  name: string;
  content: Buffer | string;
  compress?: boolean;
}

export function zip(entries: ZipEntry[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    z.addBuffer(typeof e.content === 'string' ? Buffer.from(e.content) : e.content, e.name, {
      compress: e.compress ?? true,
      mtime: new Date('2026-01-01T00:00:00Z'),
    });
  }
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}

const CONTENT_TYPES = (main: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="${main}"/></Types>`;
const RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
const DOCUMENT_XML = (text: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`;

/** A minimal Word document (.docx); `extra` entries are added after the real ones. */
export function docx(text = 'Justificatif', extra: ZipEntry[] = []): Promise<Buffer> {
  return zip([
    {
      name: '[Content_Types].xml',
      content: CONTENT_TYPES('application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'),
    },
    { name: '_rels/.rels', content: RELS },
    { name: 'word/document.xml', content: DOCUMENT_XML(text) },
    ...extra,
  ]);
}

/** A macro-enabled Word document (.docm), to be renamed .docx. */
export function docm(): Promise<Buffer> {
  return zip([
    { name: '[Content_Types].xml', content: CONTENT_TYPES('application/vnd.ms-word.document.macroEnabled.main+xml') },
    { name: '_rels/.rels', content: RELS },
    { name: 'word/document.xml', content: DOCUMENT_XML('macro') },
  ]);
}

/** A minimal OpenDocument text (.odt): the "mimetype" entry first and stored, as the spec asks. */
export function odt(): Promise<Buffer> {
  return zip([
    { name: 'mimetype', content: 'application/vnd.oasis.opendocument.text', compress: false },
    {
      name: 'META-INF/manifest.xml',
      content:
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>',
    },
    { name: 'content.xml', content: '<?xml version="1.0" encoding="UTF-8"?><office:document-content/>' },
  ]);
}

/** A docx that unpacks to `megabytes` of zeros: a few dozen kilobytes on the wire. */
export function docxBomb(megabytes = 25): Promise<Buffer> {
  return docx('bombe', [{ name: 'word/media/zeros.bin', content: Buffer.alloc(megabytes * 1024 * 1024, 0) }]);
}

/** A docx with an entry named `../<name>` (yazl refuses to write one: patched afterwards). */
export async function docxWithTraversal(): Promise<Buffer> {
  const placeholder = 'zz/evil-entry.xml';
  const built = await docx('chemin', [{ name: placeholder, content: '<x/>' }]);
  return replaceAll(built, Buffer.from(placeholder), Buffer.from('../evil-entry.xml'));
}

/** A docx whose last entry claims to be encrypted (general purpose bit 0). */
export async function docxEncrypted(): Promise<Buffer> {
  const built = Buffer.from(await docx('secret'));
  // Central directory headers (PK\1\2): flags at +8. Mark every entry.
  for (let at = built.indexOf(CENTRAL); at !== -1; at = built.indexOf(CENTRAL, at + 4)) {
    built.writeUInt16LE(built.readUInt16LE(at + 8) | 1, at + 8);
  }
  return built;
}
const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

function replaceAll(buffer: Buffer, from: Buffer, to: Buffer): Buffer {
  const out = Buffer.from(buffer);
  for (let at = out.indexOf(from); at !== -1; at = out.indexOf(from, at + from.length)) to.copy(out, at);
  return out;
}

// ---------------------------------------------------------------- OLE2 (CFB) containers

/**
 * A minimal Compound File (version 3, 512-byte sectors) holding one stream: with
 * "WordDocument" it is a .doc as far as any sniffing goes; with "Workbook", an .xls.
 */
export function cfb(streamName: 'WordDocument' | 'Workbook', dataBytes = 4096): Buffer {
  const sector = 512;
  const dataSectors = Math.ceil(dataBytes / sector);
  if (dataSectors + 2 > 128) throw new Error('too big for this little writer');
  const header = Buffer.alloc(sector, 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x003e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(1, 0x30); // directory at sector 1
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(0xfffffffe, 0x3c);
  header.writeUInt32LE(0xfffffffe, 0x44);
  header.writeUInt32LE(0, 0x4c); // DIFAT[0]: the FAT is sector 0
  for (let i = 1; i < 109; i++) header.writeUInt32LE(0xffffffff, 0x4c + i * 4);

  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0: FAT
  fat.writeUInt32LE(0xfffffffe, 4); // sector 1: directory, one sector
  for (let i = 0; i < dataSectors; i++) fat.writeUInt32LE(i === dataSectors - 1 ? 0xfffffffe : 3 + i, (2 + i) * 4);

  const dir = Buffer.alloc(sector, 0);
  const entry = (index: number, name: string, type: number, child: number, start: number, size: number) => {
    const at = index * 128;
    dir.write(name, at, 'utf16le');
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir.writeUInt8(type, at + 0x42);
    dir.writeUInt8(1, at + 0x43); // black
    dir.writeUInt32LE(0xffffffff, at + 0x44);
    dir.writeUInt32LE(0xffffffff, at + 0x48);
    dir.writeUInt32LE(child, at + 0x4c);
    dir.writeUInt32LE(start, at + 0x74);
    dir.writeUInt32LE(size, at + 0x78);
  };
  entry(0, 'Root Entry', 5, 1, 0xfffffffe, 0);
  entry(1, streamName, 2, 0xffffffff, 2, dataBytes);
  const data = Buffer.alloc(dataSectors * sector, 0x41);
  return Buffer.concat([header, fat, dir, data]);
}
