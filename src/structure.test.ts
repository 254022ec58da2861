import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the code (docs/conventions.md, issue 11), checked on every run rather than
 * remembered: no import cycle, `pg` and SQL each in their one place, route tables and
 * controllers short enough to read. Read with the TypeScript parser, so comments and
 * `import type` count for what they are.
 */
const ROOT = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return filesUnder(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

const sources = filesUnder('src');
const texts = new Map(sources.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
const parsed = new Map(sources.map((f) => [f, ts.createSourceFile(f, texts.get(f)!, ts.ScriptTarget.Latest, true)]));

interface ImportEdge {
  specifier: string;
  /** `import type`, or every named binding `type`: erased at run time. */
  typeOnly: boolean;
}

/** Every import and re-export of a file, static or dynamic. */
function importsOf(file: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      edges.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      edges.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      edges.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      edges.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(parsed.get(file)!);
  return edges;
}

/** './x.js' from src/a/b.ts → src/a/x.ts (undefined for packages). */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
  return texts.has(target) ? target : undefined;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan. */
function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return cycles;
}

/** The text of every string and template literal of a file (comments are not strings). */
function stringsOf(file: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) found.push(node.text);
    else if (ts.isTemplateExpression(node)) found.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? '));
    ts.forEachChild(node, visit);
  };
  visit(parsed.get(file)!);
  return found;
}

const SQL = /\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\s+\w+(\s+\w+)?\s+set\b|\bdelete\s+from\b|\bpg_advisory|\bsavepoint\b/i;

describe('the shape of src/', () => {
  it('has no import cycle, type imports included', () => {
    const graph = new Map(sources.map((f) => [f, importsOf(f).flatMap((e) => resolve(f, e.specifier) ?? [])] as const));
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check above can fail)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('imports pg as a value only in src/db and the CLI', () => {
    const importers = sources.filter((f) =>
      importsOf(f).some((e) => (e.specifier === 'pg' || e.specifier.startsWith('pg/')) && !e.typeOnly),
    );
    expect(importers.filter((f) => !f.startsWith('src/db/') && f !== 'src/cli.ts')).toEqual([]);
  });

  it('writes SQL only in src/repositories and src/db (the pool, transactions, migrations, the demo data)', () => {
    const outside = sources
      .filter((f) => !f.startsWith('src/repositories/') && !f.startsWith('src/db/'))
      .filter((f) => stringsOf(f).some((s) => SQL.test(s)));
    expect(outside).toEqual([]);
    // The check sees SQL where it is: every repository has some.
    expect(sources.filter((f) => f.startsWith('src/repositories/')).every((f) => stringsOf(f).some((s) => SQL.test(s)))).toBe(true);
  });

  it('has every repository query take a Queryable first, so the caller chooses the transaction', () => {
    const queries = sources
      .filter((f) => f.startsWith('src/repositories/'))
      .flatMap((f) =>
        parsed
          .get(f)!
          .statements.filter(ts.isFunctionDeclaration)
          .filter(
            (fn) =>
              fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
              fn.modifiers.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword),
          )
          .map((fn) => ({ name: `${f}: ${fn.name?.text}`, first: fn.parameters[0]?.type?.getText() ?? '' })),
      );
    expect(queries.length).toBeGreaterThan(100);
    expect(queries.filter((q) => !/^(Queryable|PoolClient)$/.test(q.first)).map((q) => q.name)).toEqual([]);
  });

  it('reads, counts and writes dates only in src/lib/calendar (one parisDay, one parser, one label)', () => {
    const DATES = /\bIntl\.DateTimeFormat\b|\bTZDate\b|@date-fns\/tz|date-holidays|\b86_?400_?000\b|\btoLocaleDateString\b/;
    const outside = sources.filter((f) => !f.startsWith('src/lib/calendar/') && DATES.test(texts.get(f)!));
    expect(outside).toEqual([]);
    // The check sees dates where they are.
    expect(DATES.test(texts.get('src/lib/calendar/labels.ts')!)).toBe(true);
  });

  it('gives services one context type (src/deps.ts), never a copy of its fields', () => {
    const copies = sources.filter((f) => f !== 'src/deps.ts' && /\binterface \w*Context\b[^{]*\{[^}]*\bpool\??:/.test(texts.get(f)!));
    expect(copies).toEqual([]);
  });
});

describe('the web layer stays thin', () => {
  const lines = (f: string) => texts.get(f)!.split('\n').length - (texts.get(f)!.endsWith('\n') ? 1 : 0);

  it.each([
    ['route table', /\.routes\.ts$/, 200],
    ['controller', /\.controller\.ts$/, 250],
  ] as const)('has no %s over its length', (_kind, pattern, max) => {
    expect(
      sources.filter((f) => pattern.test(f) && lines(f) > max),
      `over ${max} lines`,
    ).toEqual([]);
  });
});
