import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';

/**
 * The billing documents' PDFs (invoices, attestations): tagged (PDF 1.7, a structure tree,
 * fr-FR, the title shown instead of the file name) so that a screen reader reads headings,
 * paragraphs and tables in order; written in DejaVu Sans, embedded, because the standard
 * PDF fonts (WinAnsi) have no narrow no-break space, and French amounts need one: "1 234,50 €"
 * is written by Intl with U+202F between the thousands and U+00A0 before the euro sign.
 * DejaVu (package `dejavu-fonts-ttf`, Bitstream Vera licence: free to embed and redistribute)
 * has both; pdfkit embeds only the glyphs a document uses.
 */

const require = createRequire(import.meta.url);
export const PDF_FONT_FILES = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  monoBold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf'),
} as const;

const MARGIN = 50;

export interface PdfTableColumn {
  header: string;
  /** Points, or '*' to share what is left. */
  width: number | '*';
  align?: 'left' | 'right';
}

export interface PdfWriter {
  doc: PDFKit.PDFDocument;
  width: number;
  heading(level: 'H1' | 'H2', text: string): void;
  paragraph(text: string, options?: { bold?: boolean; size?: number; align?: 'left' | 'right' }): void;
  /** A link drawn as its own paragraph (the verification URL). */
  link(text: string, url: string): void;
  /** "Label : value" lines, one paragraph each. */
  facts(rows: [string, string][]): void;
  table(columns: PdfTableColumn[], rows: string[][]): void;
  space(lines?: number): void;
  /** Ends the document: the PDF's bytes. */
  finish(): Promise<Buffer>;
}

export interface PdfInfo {
  title: string;
  author: string;
  subject: string;
  createdAt: Date;
}

export interface PdfDocument {
  doc: PDFKit.PDFDocument;
  /** Between the margins. */
  width: number;
  /** The structure tree's root, for blocks a caller tags itself (a list). */
  root: PDFKit.PDFStructureElement;
  /** Draws one tagged block (P, H1, ...) under the root. */
  block(type: string, draw: () => void): void;
  /** Ends the document: the PDF's bytes. */
  finish(): Promise<Buffer>;
}

/**
 * Our documents' setup: a tagged A4 PDF with its info dictionary, DejaVu registered as
 * 'regular', 'bold' and 'mono-bold' (only the glyphs used are embedded), and its bytes
 * collected. The billing documents draw through pdfWriter; the Clé Enfance letter, laid
 * out as a letter, draws on it directly.
 */
export function pdfDocument(info: PdfInfo, margin = MARGIN): PdfDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: margin, bottom: margin, left: margin, right: margin },
    lang: 'fr-FR',
    tagged: true,
    pdfVersion: '1.7',
    displayTitle: true,
    info: { Title: info.title, Author: info.author, Subject: info.subject, Creator: 'Espace Famille', CreationDate: info.createdAt },
  });
  doc.registerFont('regular', PDF_FONT_FILES.regular);
  doc.registerFont('bold', PDF_FONT_FILES.bold);
  doc.registerFont('mono-bold', PDF_FONT_FILES.monoBold);
  doc.font('regular');
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const root = doc.struct('Document');
  doc.addStructure(root);
  return {
    doc,
    width: doc.page.width - 2 * margin,
    root,
    block(type, draw) {
      const element = doc.struct(type, {}, draw);
      root.add(element);
      element.end();
    },
    finish() {
      root.end();
      doc.end();
      return done;
    },
  };
}

/** A tagged A4 document with its info dictionary; the caller draws through the writer's blocks. */
export function pdfWriter(info: PdfInfo): PdfWriter {
  const { doc, width, root, block, finish } = pdfDocument(info);

  return {
    doc,
    width,
    heading(level, text) {
      block(level, () => {
        doc.moveDown(level === 'H1' ? 0.5 : 0.8);
        doc
          .font('bold')
          .fontSize(level === 'H1' ? 17 : 12.5)
          .fillColor('#000000')
          .text(text, MARGIN, doc.y, { width });
        doc.moveDown(0.3);
      });
    },
    paragraph(text, options = {}) {
      block('P', () => {
        doc
          .font(options.bold ? 'bold' : 'regular')
          .fontSize(options.size ?? 10)
          .fillColor('#000000')
          .text(text, MARGIN, doc.y, { width, lineGap: 2, align: options.align ?? 'left' });
      });
    },
    link(text, url) {
      block('P', () => {
        doc.font('regular').fontSize(10).fillColor('#1a4f8b').text(text, MARGIN, doc.y, { width, link: url, underline: true });
        doc.fillColor('#000000');
      });
    },
    facts(rows) {
      for (const [label, value] of rows) {
        block('P', () => {
          doc.font('bold').fontSize(10).fillColor('#000000').text(`${label} : `, MARGIN, doc.y, { width, continued: true, lineGap: 2 });
          doc.font('regular').text(value, { lineGap: 2 });
        });
      }
    },
    table(columns, rows) {
      doc.moveDown(0.3);
      doc.font('regular').fontSize(9).fillColor('#000000');
      // pdfkit's tables tag Table / TR / TH / TD under `structParent` (its typings do not list the option yet).
      const options = {
        structParent: root,
        position: { x: MARGIN, y: doc.y },
        maxWidth: width,
        columnStyles: columns.map((c) => ({ width: c.width, align: { x: c.align ?? 'left', y: 'top' } })),
        defaultStyle: { border: { top: 0, left: 0, right: 0, bottom: 0.5 }, borderColor: '#888888', padding: 3 },
        data: [
          columns.map((c) => ({ text: c.header, type: 'TH', scope: 'column', font: { src: 'bold' } })),
          ...rows.map((r) => r.map((text) => ({ text }))),
        ],
      };
      doc.table(options as unknown as PDFKit.Mixins.TableOptionsWithData);
      doc.x = MARGIN;
      doc.moveDown(0.5);
    },
    space(lines = 1) {
      doc.moveDown(lines);
    },
    finish,
  };
}

/** A file name of ours, in plain ASCII: "facture-ENF-2026-000012.pdf". */
export function pdfFileName(...parts: string[]): string {
  const slug = parts
    .join('-')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return `${slug || 'document'}.pdf`;
}
