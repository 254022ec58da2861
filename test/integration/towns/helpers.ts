import { execFile } from 'node:child_process';
import yauzl from 'yauzl';
import type { Queryable } from '../../../src/db/pool.js';

/** Runs `npm run cli -- …` as a process against the test's database; never throws. */
export function cli(databaseUrl: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), LOG_LEVEL: 'warn' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every entry of a ZIP, read with yauzl (not the library that wrote it). */
export function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * An RFC 4180 reader written for the test, character by character (the export writes with
 * its own code): records of cells, the byte-order mark dropped.
 */
export function readCsv(text: string): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      cells.push(cell);
      records.push(cells);
      cells = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || cells.length) records.push([...cells, cell]);
  return records;
}

/** Every table of the database with a column named town_id, from the catalogue. */
export async function tablesWithTownId(db: Queryable): Promise<{ schema: string; table: string }[]> {
  const { rows } = await db.query<{ schema: string; table: string }>(
    `select c.table_schema as schema, c.table_name as table
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.column_name = 'town_id' and t.table_type = 'BASE TABLE'
        and c.table_schema not in ('pg_catalog', 'information_schema')
      order by 1, 2`,
  );
  return rows;
}

/** Rows per table for one town, over every table with town_id. */
export async function townRowCounts(db: Queryable, townId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { schema, table } of await tablesWithTownId(db)) {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from "${schema}"."${table}" where town_id = $1`, [townId]);
    counts[`${schema}.${table}`] = rows[0]!.n;
  }
  return counts;
}
