/**
 * CSV as French spreadsheets export it: semicolon-separated, fields optionally in double
 * quotes (a quote inside doubled: ""), lines ending in CRLF, LF or CR, an optional UTF-8
 * byte-order mark. Each record keeps the line number it starts on, so a refusal can say
 * "ligne 12" of the file the agent has in front of them.
 */
export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  cells: string[];
}

export interface CsvResult {
  records: CsvRecord[];
  /** A quote opened and never closed: the records before it are good, the rest is not readable. */
  unterminatedQuoteAt?: number;
}

export const SEPARATOR = ';';

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function parseCsv(input: string): CsvResult {
  const text = stripBom(input);
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  // Whether the current cell started with a quote (then text after the closing quote is kept as is).
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    cells.push(cell);
    records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  while (i < n) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        // A line break inside quotes belongs to the cell (an address on two lines).
        if (ch === '\r' && text[i + 1] === '\n') i += 1;
        cell += '\n';
        line += 1;
        i += 1;
        continue;
      }
      cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') {
      inQuotes = true;
      quoteLine = line;
      i += 1;
      continue;
    }
    if (ch === SEPARATOR) {
      cells.push(cell);
      cell = '';
      i += 1;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
      i += 1;
      continue;
    }
    // A quote in the middle of an unquoted cell is a character like any other (Dupont "dit" Martin).
    cell += ch;
    i += 1;
  }
  if (inQuotes) return { records, unterminatedQuoteAt: quoteLine };
  if (cell !== '' || cells.length > 0) endRecord();
  return { records };
}

/** The first line of the file (the header), without parsing the rest. */
export function firstLine(input: string): string {
  const text = stripBom(input);
  const end = text.search(/\r|\n/);
  return end < 0 ? text : text.slice(0, end);
}
