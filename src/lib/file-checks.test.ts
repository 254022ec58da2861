import { describe, expect, it } from 'vitest';
import { bmp, cfb, docm, docx, docxBomb, docxEncrypted, docxWithTraversal, jpeg, odt, pdf, png, zip } from '../../test/helpers/files.js';
import { cfbEntryNames, isWordCfb } from './cfb.js';
import {
  checkDocumentFile,
  DOCUMENT_MAX_BYTES,
  extensionOf,
  formatBytes,
  inspectZip,
  isUnsafeZipPath,
  sanitiseFileName,
  type FileCheck,
} from './file-checks.js';

const check = (buffer: Buffer, originalName: string) => checkDocumentFile({ buffer, originalName });
const kindOf = (r: FileCheck) => (r.ok ? 'ok' : r.kind);

describe('checkDocumentFile: every accepted format, typed from its content', () => {
  it.each([
    ['attestation.pdf', () => pdf(), 'application/pdf'],
    ['scan.PNG', () => png(), 'image/png'],
    ['photo.jpg', () => jpeg(), 'image/jpeg'],
    ['photo.jpeg', () => jpeg(), 'image/jpeg'],
    ['scan.bmp', () => bmp(), 'image/bmp'],
    ['lettre.odt', odt, 'application/vnd.oasis.opendocument.text'],
    ['lettre.docx', () => docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['ancien.doc', () => cfb('WordDocument'), 'application/msword'],
  ] as const)('accepts %s', async (name, build, mime) => {
    const result = await check(await build(), name);
    expect(result.ok && result.file.mime).toBe(mime);
    if (result.ok) expect(result.file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts exactly 3,276,800 bytes and refuses one more', async () => {
    expect(DOCUMENT_MAX_BYTES).toBe(3_276_800);
    expect(kindOf(await check(pdf('x', 3_276_800), 'a.pdf'))).toBe('ok');
    expect(kindOf(await check(pdf('x', 3_276_801), 'a.pdf'))).toBe('too_large');
  });

  it.each([
    ['a PNG named .pdf', () => png(), 'scan.pdf', 'content'],
    ['HTML named .pdf', () => Buffer.from('<html><script>alert(1)</script></html>'), 'evil.pdf', 'content'],
    ['an SVG named .png', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'), 'a.png', 'content'],
    ['a JPEG named .exe', () => jpeg(), 'photo.jpg.exe', 'extension'],
    ['a name with a NUL trick', () => pdf(), 'x.pdf%00.html', 'extension'],
    ['no extension', () => pdf(), 'attestation', 'extension'],
    [
      'a text starting with "BM" named .bmp',
      () => Buffer.from('BM is the start of this plain text, not an image at all.'),
      'a.bmp',
      'content',
    ],
    ['an .xls (CFB) renamed .doc', () => cfb('Workbook'), 'tableur.doc', 'content'],
    ['a .docm renamed .docx', docm, 'macro.docx', 'content'],
    ['a .docx renamed .odt', () => docx(), 'lettre.odt', 'content'],
    ['a plain ZIP renamed .docx', () => zip([{ name: 'a.txt', content: 'bonjour' }]), 'archive.docx', 'content'],
    ['an empty file', () => Buffer.alloc(0), 'vide.pdf', 'empty'],
    ['a docx that unpacks to 25 MB', () => docxBomb(25), 'bombe.docx', 'archive'],
    ['a docx with a ../ entry', docxWithTraversal, 'chemin.docx', 'archive'],
    ['a docx with encrypted entries', docxEncrypted, 'secret.docx', 'encrypted'],
    ['a truncated docx', async () => (await docx()).subarray(0, 200), 'coupe.docx', 'archive'],
  ] as const)('refuses %s', async (_label, build, name, kind) => {
    const result = await check(await build(), name);
    expect(kindOf(result)).toBe(kind);
    if (!result.ok) expect(result.message).toMatch(/^Le fichier « .+ »/);
  });

  it('refuses a docx with more than 1000 entries, reading only its directory', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ name: `word/media/p${i}.xml`, content: '<a/>' }));
    expect(kindOf(await check(await docx('x', many), 'beaucoup.docx'))).toBe('archive');
  });
});

describe('inspectZip', () => {
  it('sums the sizes the central directory declares, without decompressing', async () => {
    const result = await inspectZip(await docx('bonjour'));
    expect(result).toMatchObject({ ok: true, entries: 3 });
  });
  it('names each refusal', async () => {
    expect(await inspectZip(await docxBomb(25))).toEqual({ ok: false, reason: 'too_large' });
    expect(await inspectZip(await docxWithTraversal())).toEqual({ ok: false, reason: 'unsafe_path' });
    expect(await inspectZip(await docxEncrypted())).toEqual({ ok: false, reason: 'encrypted' });
    expect(await inspectZip(Buffer.from('PK\u0003\u0004 not a zip at all'))).toEqual({ ok: false, reason: 'malformed' });
    expect(await inspectZip(await docx(), { maxEntries: 2, maxTotalUncompressedBytes: 1e9 })).toEqual({
      ok: false,
      reason: 'too_many_entries',
    });
  });
  it.each([
    ['../a', true],
    ['a/../../b', true],
    ['/etc/passwd', true],
    ['C:/Windows/x', true],
    ['..\\x', true],
    ['word/document.xml', false],
    ['a..b/c', false],
  ])('%s unsafe: %s', (name, unsafe) => expect(isUnsafeZipPath(name)).toBe(unsafe));
});

describe('CFB', () => {
  it('lists the directory of a compound file', () => {
    expect(cfbEntryNames(cfb('WordDocument'))).toEqual(['Root Entry', 'WordDocument']);
    expect(isWordCfb(cfb('WordDocument'))).toBe(true);
    expect(isWordCfb(cfb('Workbook'))).toBe(false);
  });
  it('gives up on a malformed container instead of looping', () => {
    const broken = cfb('WordDocument');
    broken.writeUInt32LE(1, 512 + 4); // the directory sector points to itself
    expect(cfbEntryNames(broken)).toBeUndefined();
    const truncated = cfb('WordDocument').subarray(0, 700);
    expect(cfbEntryNames(truncated)).toBeUndefined();
  });
});

describe('names', () => {
  it('takes the last extension, in lower case', () => {
    expect(extensionOf('photo.php.JPG')).toBe('jpg');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('sans')).toBe('');
  });
  it('keeps a readable name without path, control or bidi characters', () => {
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFileName('C:\\Users\\moi\\Attestation CAF été.pdf')).toBe('Attestation CAF été.pdf');
    expect(sanitiseFileName('fac\u202Etxt.exe')).toBe('factxt.exe');
    expect(sanitiseFileName('a\r\nX-Evil: 1.pdf')).toBe('aX-Evil: 1.pdf');
    expect(sanitiseFileName('', 'pdf')).toBe('document.pdf');
    const long = sanitiseFileName(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(150);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});

describe('formatBytes', () => {
  it.each([
    [1, '1 octet'],
    [850, '850 octets'],
    [1024, '1 Ko'],
    [1024 * 1024, '1 Mo'],
    [2_621_440, '2,5 Mo'],
    [104_857_600, '100 Mo'],
  ])('%i → %s', (n, text) => expect(formatBytes(n)).toBe(text.replace(' ', '\u00a0')));
  it("says a file's size in Ko, like the seed's limit", () => {
    expect(formatBytes(3_276_800, 'Ko')).toBe('3200\u00a0Ko');
    expect(formatBytes(3_276_801, 'Ko')).toBe('3201\u00a0Ko');
  });
});
