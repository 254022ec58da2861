/**
 * `sh scripts/node24.sh npx tsx scripts/profile-summary.ts <file.cpuprofile>…`: where the main
 * thread's busy time went in a V8 CPU profile (`node --cpu-prof`, or the bench's
 * BENCH_PROFILE_DIR), grouped by what the sampled function belongs to: a package of
 * node_modules, the app's code (src/), its templates (views/, when compiled with their file
 * name), Node's own modules, a native function (socket writes show as `writev`), the garbage
 * collector. Idle samples are left out: shares are of the busy time.
 *
 * Two views: "self" (the innermost frame of each sample: what ran) and "inside" (any frame of
 * the sample's stack: what it cost, callees included; a sample counts once per package).
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = path.resolve(import.meta.dirname, '..');

function categoryOf(frame: ProfileNode['callFrame']): string | undefined {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)' || functionName === '(root)') return undefined;
    if (functionName.startsWith('(')) return functionName;
    return `native ${functionName || '(anonymous)'}`;
  }
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = file.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (file.endsWith('.ejs')) return 'EJS templates (views/)';
  if (file.startsWith(path.join(ROOT, 'src'))) return 'app code (src/)';
  if (file.startsWith(path.join(ROOT, 'scripts'))) return 'bench scripts';
  if (url.startsWith('node:')) {
    const mod = url.slice('node:'.length).replace(/^internal\//, '');
    return `node ${mod.split('/')[0]}`;
  }
  return file;
}

function summarize(file: string): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inside = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(id)!;
    const cat = categoryOf(leaf.callFrame);
    if (cat === undefined && leaf.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    busy += dt;
    // A native leaf (writev, a hash…) is named, and also counted with its caller's package below.
    self.set(cat ?? '(root)', (self.get(cat ?? '(root)') ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const c = categoryOf(byId.get(n)!.callFrame);
      if (c && !seen.has(c)) {
        seen.add(c);
        inside.set(c, (inside.get(c) ?? 0) + dt);
      }
    }
  });
  const total = (profile.endTime - profile.startTime) / 1000;
  console.log(
    `\n${file}: ${(total / 1000).toFixed(1)} s profiled, main thread busy ${((busy / 1000 / total) * 100).toFixed(0)} % (idle ${(idle / 1000 / 1000).toFixed(1)} s)`,
  );
  const show = (title: string, map: Map<string, number>, limit: number) => {
    console.log(`  ${title}`);
    for (const [cat, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      console.log(`    ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${cat}`);
    }
  };
  show('self (what ran), share of busy time:', self, 18);
  show('inside (callees included), share of busy time:', inside, 18);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: tsx scripts/profile-summary.ts <file.cpuprofile>…');
  process.exit(64);
}
for (const f of files) summarize(f);
