import zlib from 'node:zlib';

/**
 * The text drawn by a PDF made with PDFKit's standard fonts, good enough to find words in a
 * test: every content stream is inflated, and the hex strings of its TJ arrays decoded
 * (WinAnsi, read as Latin-1), one line per TJ.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const lines: string[] = [];
  const streams = /stream\r?\n/g;
  let match: RegExpExecArray | null;
  while ((match = streams.exec(raw))) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const bytes = pdf.subarray(start, end);
    let content: string;
    try {
      content = zlib.inflateSync(bytes).toString('latin1');
    } catch {
      content = bytes.toString('latin1');
    }
    for (const tj of content.matchAll(/\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ/g)) {
      const text = [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join('');
      lines.push(text);
    }
    streams.lastIndex = end;
  }
  return lines.join('\n');
}

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

/** Every `N 0 obj … endobj` of a PDFKit file, its stream inflated. */
function pdfObjects(pdf: Buffer): Map<number, PdfObject> {
  const raw = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  for (const m of raw.matchAll(/(\d+) 0 obj\b([\s\S]*?)endobj/g)) {
    const body = m[2]!;
    const at = body.search(/stream\r?\n/);
    if (at < 0) {
      objects.set(Number(m[1]), { dict: body });
      continue;
    }
    const start = m.index + m[0].indexOf(body) + at + (/stream\r\n/.test(body.slice(at, at + 8)) ? 8 : 7);
    const end = raw.indexOf('endstream', start);
    let bytes = pdf.subarray(start, end);
    if (/FlateDecode/.test(body.slice(0, at))) {
      try {
        bytes = zlib.inflateSync(bytes);
      } catch {
        // left as is
      }
    }
    objects.set(Number(m[1]), { dict: body.slice(0, at), stream: bytes });
  }
  return objects;
}

/** A ToUnicode CMap as PDFKit writes it (bfrange lines with arrays): code → text. */
function readCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const m of cmap.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\[([^\]]*)\]/g)) {
    let code = parseInt(m[1]!, 16);
    for (const entry of m[3]!.matchAll(/<([0-9a-fA-F ]*)>/g)) {
      const units = entry[1]!
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((h) => parseInt(h, 16));
      map.set(code, String.fromCharCode(...units));
      code += 1;
    }
  }
  return map;
}

/**
 * The text of a PDF written with embedded TrueType fonts (Identity-H, two bytes a glyph),
 * read through each font's ToUnicode CMap as a PDF reader copies it: one line per TJ. A
 * character whose glyph is missing from the font comes out as U+0000 (.notdef).
 */
export function pdfUnicodeText(pdf: Buffer): string {
  const objects = pdfObjects(pdf);
  const fonts = new Map<string, Map<number, string>>();
  for (const obj of objects.values()) {
    for (const res of obj.dict.matchAll(/\/Font\s*<<([^>]*)>>/g)) {
      for (const f of res[1]!.matchAll(/\/(\w+)\s+(\d+) 0 R/g)) {
        const font = objects.get(Number(f[2]));
        const toUnicode = font && /\/ToUnicode\s+(\d+) 0 R/.exec(font.dict);
        const cmap = toUnicode && objects.get(Number(toUnicode[1]))?.stream;
        if (cmap) fonts.set(f[1]!, readCmap(cmap.toString('latin1')));
      }
    }
  }
  const lines: string[] = [];
  for (const obj of objects.values()) {
    if (!obj.stream || !/BT/.test(obj.stream.toString('latin1'))) continue;
    let cmap: Map<number, string> | undefined;
    for (const m of obj.stream.toString('latin1').matchAll(/\/(\w+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ/g)) {
      if (m[1]) {
        cmap = fonts.get(m[1]);
        continue;
      }
      if (!cmap) continue;
      const map = cmap;
      const hex = [...m[2]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]!).join('');
      let text = '';
      for (let i = 0; i + 4 <= hex.length; i += 4) text += map.get(parseInt(hex.slice(i, i + 4), 16)) ?? '\u0000';
      lines.push(text);
    }
  }
  return lines.join('\n');
}

/** The base names of the fonts a PDF embeds ("BZZZZZ+DejaVuSans"). */
export function pdfFontNames(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\/BaseFont\s*\/([^\s/>]+)/g)].map((m) => m[1]!);
}
