/**
 * What every bench script shares: one row format, the verdict against a target, the printed
 * table, and `bench-results.json`, where each script merges its own section so that a script
 * (CI, a comparison of two runs) can read the whole table. See docs/performance.md.
 *
 * `npm run bench` chains the scripts (bench.ts, bench-reservations.ts, bench-billing.ts and
 * bench-rush.ts); `npm run bench:scale` and `npm run bench:faults` run on their own. Each one
 * calls `writeResults` with its own name (bench, reservations, billing, rush, scale, faults)
 * and leaves the others' sections as they are, each stamped with the time and load of its
 * own run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_DIR } from '../src/lib/paths.js';

/** The file a run writes, at the project root (ignored by git). BENCH_RESULTS moves it. */
export const RESULTS_FILE = process.env.BENCH_RESULTS ?? path.join(ROOT_DIR, 'bench-results.json');

/**
 * What a row is held to. The headline is CPU: the main thread's CPU per request (or per
 * save) divided by its baseline's, measured in the same run, which moves far less than
 * requests/s on a shared machine.
 */
export interface Target {
  /** At most this many times the baseline's CPU per request. */
  cpuRatioMax?: number;
  /** At least this share of the baseline's requests/s (sign-in against raw argon2id). */
  throughputRatioMin?: number;
  /** Latency percentiles at most this many ms. */
  p95Max?: number;
  p99Max?: number;
}

/** One measured row, as printed and as written to the JSON file. */
export interface BenchRow {
  scenario: string;
  /** The row it is compared with, when any. */
  baseline?: string;
  requestsPerSecond: number;
  /** What `requestsPerSecond` counts when it is not requests (`saves`). */
  unit?: string;
  p50: number;
  p95?: number;
  p99: number;
  /** Main-thread CPU in ms per request (or per `unit`). */
  cpuMs?: number;
  /** The baseline's CPU ms per request and requests/s in the same run (in alternating slices for paired rows). */
  baselineCpuMs?: number;
  baselineRequestsPerSecond?: number;
  target?: Target;
  /** Errors, timeouts and answers with another status than expected: any fails the row. */
  failures: number;
  note: string;
}

/** A row timed once rather than under load: the invoicing run of a town (bench-billing.ts). */
export interface TimedRow {
  scenario: string;
  seconds: number;
  /** PASS when under this many seconds. */
  secondsMax: number;
  note: string;
  /** What the run produced (invoices, lines…), for the reader. */
  details?: Record<string, number>;
}

type Written = ScriptResults['rows'][number];
export const isTimed = (r: Written): r is TimedRow & Verdict => 'seconds' in r;
export const isMeasured = (r: Written): r is Exclude<Written, TimedRow & Verdict> => !('seconds' in r);

export interface Verdict {
  cpuRatio?: number;
  throughputRatio?: number;
  /** Undefined: the row has no target (a baseline, or an informative row). */
  pass?: boolean;
  /** Which targets missed, in words. */
  missed: string[];
}

export function verdictOf(row: BenchRow): Verdict {
  const cpuRatio = row.cpuMs !== undefined && row.baselineCpuMs ? row.cpuMs / row.baselineCpuMs : undefined;
  const throughputRatio = row.baselineRequestsPerSecond ? row.requestsPerSecond / row.baselineRequestsPerSecond : undefined;
  const t = row.target;
  const missed: string[] = [];
  if (t?.cpuRatioMax !== undefined && !(cpuRatio !== undefined && cpuRatio <= t.cpuRatioMax)) missed.push('CPU ratio');
  if (t?.throughputRatioMin !== undefined && !(throughputRatio !== undefined && throughputRatio >= t.throughputRatioMin))
    missed.push('throughput');
  if (t?.p95Max !== undefined && !(row.p95 !== undefined && row.p95 <= t.p95Max)) missed.push('p95');
  if (t?.p99Max !== undefined && !(row.p99 <= t.p99Max)) missed.push('p99');
  if (row.failures > 0) missed.push(`${row.failures} failed requests`);
  const hasTarget = t !== undefined && Object.values(t).some((v) => v !== undefined);
  return { cpuRatio, throughputRatio, pass: hasTarget || row.failures > 0 ? missed.length === 0 : undefined, missed };
}

function timedVerdict(r: TimedRow): Verdict {
  const pass = r.seconds < r.secondsMax;
  return { pass, missed: pass ? [] : [`${r.seconds} s ≥ ${r.secondsMax} s`] };
}

export function targetText(t: Target | undefined): string {
  if (!t) return '—';
  const parts: string[] = [];
  if (t.cpuRatioMax !== undefined) parts.push(`CPU ≤ ${t.cpuRatioMax}×`);
  if (t.throughputRatioMin !== undefined) parts.push(`req/s ≥ ${Math.round(t.throughputRatioMin * 100)} %`);
  if (t.p95Max !== undefined) parts.push(`p95 ≤ ${t.p95Max} ms`);
  if (t.p99Max !== undefined) parts.push(`p99 ≤ ${t.p99Max} ms`);
  return parts.join(', ') || '—';
}

function resultText(v: Verdict): string {
  if (v.pass === undefined) return '—';
  return v.pass ? 'PASS' : `FAIL (${v.missed.join(', ')})`;
}

const fixed = (n: number | undefined, digits: number) => (n === undefined ? '—' : n.toFixed(digits));

/** The table, in Markdown, as docs/performance.md shows it. */
export function printTable(rows: BenchRow[]): void {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'CPU ms/req',
    'baseline',
    'CPU ratio',
    'req/s ratio',
    'target',
    'result',
  ];
  const numeric = new Set([1, 2, 3, 4, 5, 7, 8]);
  const cells = rows.map((r) => {
    const v = verdictOf(r);
    return [
      r.scenario,
      `${r.requestsPerSecond.toFixed(0)}${r.unit ? ` ${r.unit}/s` : ''}`,
      fixed(r.p50, 1),
      fixed(r.p95, 1),
      fixed(r.p99, 1),
      `${fixed(r.cpuMs, 2)}${r.unit && r.cpuMs !== undefined ? ` per ${r.unit.replace(/s$/, '')}` : ''}`,
      r.baseline ?? '—',
      v.cpuRatio === undefined ? '—' : `${v.cpuRatio.toFixed(1)}×`,
      v.throughputRatio === undefined ? '—' : `${Math.round(v.throughputRatio * 100)} %`,
      targetText(r.target),
      resultText(v),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((s, i) => (numeric.has(i) ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join(' | ')} |`;
  console.log();
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const c of cells) console.log(line(c));
  console.log();
}

/** The load average, as `uptime` shows it (1, 5 and 15 minutes). */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

export interface ScriptResults {
  /** When this script's run ended. */
  measuredAt: string;
  node: string;
  cpus: number;
  cpuModel: string;
  /** Load average before and after the run: a busy machine makes every figure worse. */
  loadBefore: number[];
  loadAfter: number[];
  durationSeconds: number;
  rows: Array<(BenchRow & { cpuRatio?: number; throughputRatio?: number; pass?: boolean; missed: string[] }) | (TimedRow & Verdict)>;
}

export interface ResultsFile {
  /** One section per script (`bench`, `reservations`, `billing`), each from its latest run. */
  scripts: Record<string, ScriptResults>;
}

/**
 * Merges one script's rows into bench-results.json: the other scripts' sections stay, so
 * `npm run bench` (every script in turn) leaves the whole table, and a single script run
 * updates only its own part.
 */
export function writeResults(
  script: string,
  rows: Array<BenchRow | TimedRow>,
  run: { loadBefore: number[]; durationSeconds: number },
): void {
  let file: ResultsFile = { scripts: {} };
  try {
    const parsed = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as Partial<ResultsFile>;
    if (parsed && typeof parsed.scripts === 'object' && parsed.scripts) file = { scripts: parsed.scripts };
  } catch {
    // No file yet, or one from an older format: start again.
  }
  file.scripts[script] = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadBefore: run.loadBefore,
    loadAfter: loadAverage(),
    durationSeconds: run.durationSeconds,
    rows: rows.map((r) => ('seconds' in r ? { ...r, ...timedVerdict(r) } : { ...r, ...verdictOf(r) })),
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`  Results merged into ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE} (section "${script}").`);
}

/**
 * A CPU profile of this process's main thread (V8's sampling profiler, the same as
 * `node --cpu-prof`, but only over the measured window: no start-up, migrations or setup).
 * Open the file in Chrome's DevTools (Performance) or summarize it with
 * scripts/profile-summary.ts.
 */
export async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file: string) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`  CPU profile written to ${file}`);
  };
}

/** 'home /tarnos/, first visit' → 'home-tarnos-first-visit': a file name. */
export function slug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
