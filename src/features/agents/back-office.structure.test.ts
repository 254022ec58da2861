import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The back-office's shape (issue 11), kept: one folder per area under features/agents/, as
 * views/agents/ has one per area; in each, a route table (paths from `urls`, guards, a
 * controller function) and thin controllers. A newcomer looking for a page's code guesses
 * its place from the view's.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const AGENTS = 'src/features/agents';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? filesUnder(rel) : [rel];
  });
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const lines = (f: string) => read(f).split('\n').length;
const files = filesUnder(AGENTS);
const routeTables = files.filter((f) => f.endsWith('.routes.ts') && f !== `${AGENTS}/agents.routes.ts`);
const controllers = files.filter((f) => f.endsWith('.controller.ts'));

describe("the back-office's code mirrors its views", () => {
  it('has an area folder with its route table for each folder of views/agents', () => {
    const areas = fs
      .readdirSync(path.join(ROOT, 'views/agents'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(areas.length).toBeGreaterThan(0);
    for (const area of areas) expect(files, area).toContain(`${AGENTS}/${area}/${area}.routes.ts`);
  });

  it('mounts every route table through backOfficeRouter', () => {
    const index = read(`${AGENTS}/agents.routes.ts`);
    for (const table of routeTables) expect(index, table).toContain(`./${path.relative(AGENTS, table).replace(/\.ts$/, '.js')}`);
  });

  it('keeps route tables under 200 lines and controllers under 250', () => {
    expect(routeTables.length).toBeGreaterThan(0);
    for (const f of routeTables) expect(lines(f), f).toBeLessThanOrEqual(200);
    for (const f of controllers) expect(lines(f), f).toBeLessThanOrEqual(250);
  });

  it('takes every path of a route table from a link builder, never a literal', () => {
    for (const f of routeTables) {
      const calls = [...read(f).matchAll(/router\.(?:get|post|put|patch|delete|all|use)\(\s*([^,)]*)/g)];
      expect(calls.length, f).toBeGreaterThan(0);
      // An upload route's path comes from its entry in UPLOAD_ROUTES, itself built with route(urls.x).
      for (const [, first] of calls) expect(first, f).toMatch(/^(route\(urls\.\w+|UPLOAD_ROUTES\.\w+\.path$)/);
    }
  });

  it('leaves Express routing to the route tables', () => {
    for (const f of files.filter((f) => !f.endsWith('.routes.ts'))) expect(read(f), f).not.toMatch(/\bRouter\(\)|router\.(get|post)\(/);
  });
});
