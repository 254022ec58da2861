/**
 * `sh scripts/node24.sh npx tsx scripts/bench-median.ts run1.json run2.json run3.json`: the
 * median of several `npm run bench` runs (their bench-results.json, saved under other names
 * with BENCH_RESULTS=…), row by row, judged against the rows' targets like a single run; plus
 * each run's load average. The table docs/performance.md shows.
 */
import fs from 'node:fs';
import { isMeasured, isTimed, printTable, type BenchRow, type ResultsFile } from './bench-results.js';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function medianOf(values: Array<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : median(present);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: tsx scripts/bench-median.ts <bench-results.json>…');
  process.exit(64);
}
const runs = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ResultsFile);

for (const [i, run] of runs.entries()) {
  const loads = Object.entries(run.scripts).map(
    ([name, s]) => `${name} ${s.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load ${s.loadBefore[0]} → ${s.loadAfter[0]}`,
  );
  console.log(`run ${i + 1} (${files[i]}): ${loads.join('; ')}`);
}

const sections = [...new Set(runs.flatMap((r) => Object.keys(r.scripts)))];
const rows: BenchRow[] = [];
const timed: string[] = [];
for (const section of sections) {
  const names = [...new Set(runs.flatMap((r) => r.scripts[section]?.rows.map((row) => row.scenario) ?? []))];
  for (const name of names) {
    const all = runs.map((r) => r.scripts[section]?.rows.find((row) => row.scenario === name)).filter((r) => r !== undefined);
    // A run timed once (the invoicing run) has no requests: its median time is printed after the table.
    const once = all.filter(isTimed);
    if (once.length > 0) {
      const seconds = median(once.map((r) => r.seconds));
      timed.push(
        `${name} (${once.length} runs): ${seconds} s, target < ${once[0]!.secondsMax} s, ${seconds < once[0]!.secondsMax ? 'PASS' : 'FAIL'}`,
      );
      continue;
    }
    const found = all.filter(isMeasured);
    const first = found[0]!;
    // The ratio's median, not the ratio of medians: each ratio compares a row with its own run's baseline.
    const ratios = found.map((r) => (r.cpuMs !== undefined && r.baselineCpuMs ? r.cpuMs / r.baselineCpuMs : undefined));
    const cpuMs = medianOf(found.map((r) => r.cpuMs));
    const ratio = medianOf(ratios);
    const throughput = medianOf(
      found.map((r) => (r.baselineRequestsPerSecond ? r.requestsPerSecond / r.baselineRequestsPerSecond : undefined)),
    );
    const requestsPerSecond = median(found.map((r) => r.requestsPerSecond));
    const p95 = medianOf(found.map((r) => r.p95));
    rows.push({
      scenario: `${name} (${found.length} runs)`,
      ...(first.baseline ? { baseline: first.baseline } : {}),
      requestsPerSecond,
      ...(first.unit ? { unit: first.unit } : {}),
      p50: median(found.map((r) => r.p50)),
      ...(p95 !== undefined ? { p95 } : {}),
      p99: median(found.map((r) => r.p99)),
      ...(cpuMs !== undefined ? { cpuMs } : {}),
      // Chosen so that the printed ratios are the medians of each run's ratio.
      ...(cpuMs !== undefined && ratio !== undefined ? { baselineCpuMs: cpuMs / ratio } : {}),
      ...(throughput !== undefined ? { baselineRequestsPerSecond: requestsPerSecond / throughput } : {}),
      ...(first.target ? { target: first.target } : {}),
      failures: median(found.map((r) => r.failures)),
      note: first.note,
    });
  }
}
printTable(rows);
for (const line of timed) console.log(line);
