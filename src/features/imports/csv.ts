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
  // Native splits for the lines without quotes (nearly all of them): a 10 MB file is read
  // in a fraction of a second, so the upload can check it without holding the event loop.
  // Lines with a quote are read character by character, joined to the next ones while a
  // quoted cell goes on.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let current = lines[i]!;
    if (!current.includes('"')) {
      records.push({ line: i + 1, cells: current.split(SEPARATOR) });
      continue;
    }
    const recordLine = i + 1;
    const cells: string[] = [];
    let cell = '';
    let inQuotes = false;
    let quoteLine = recordLine;
    let j = 0;
    for (;;) {
      while (j < current.length) {
        const ch = current[j]!;
        if (inQuotes) {
          if (ch === '"') {
            if (current[j + 1] === '"') {
              cell += '"';
              j += 2;
              continue;
            }
            inQuotes = false;
          } else cell += ch;
          j += 1;
        } else if (ch === '"' && cell === '') {
          inQuotes = true;
          quoteLine = i + 1;
          j += 1;
        } else if (ch === SEPARATOR) {
          cells.push(cell);
          cell = '';
          j += 1;
        } else {
          // A quote in the middle of an unquoted cell is a character like any other (Dupont "dit" Martin).
          cell += ch;
          j += 1;
        }
      }
      if (!inQuotes) break;
      // A line break inside quotes belongs to the cell (an address on two lines).
      i += 1;
      if (i >= lines.length) return { records, unterminatedQuoteAt: quoteLine };
      cell += '\n';
      current = lines[i]!;
      j = 0;
    }
    cells.push(cell);
    records.push({ line: recordLine, cells });
  }
  return { records };
}

/** The first line of the file (the header), without parsing the rest. */
export function firstLine(input: string): string {
  const text = stripBom(input);
  const end = text.search(/\r|\n/);
  return end < 0 ? text : text.slice(0, end);
}
