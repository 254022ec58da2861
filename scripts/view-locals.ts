/**
 * `sh scripts/node24.sh npx tsx scripts/view-locals.ts [--write]`: the names each page template
 * reads without declaring them, i.e. its locals (issue 13, docs/performance.md, "EJS").
 *
 * src/lib/views.ts compiles pages without EJS's `with (locals)` block, which halves rendering;
 * the templates keep their bare names because EJS declares each name of `destructuredLocals`
 * from `locals` at the top of the compiled template. Each template's list must hold every name
 * it reads: one missing would throw (or, under a `typeof x !== 'undefined'` guard,
 * silently read undefined). So it is not written by hand: each template's generated JavaScript
 * is type-checked by the TypeScript compiler against the ECMAScript library alone, and every
 * "Cannot find name" is a local. `src/lib/view-locals.test.ts` runs this again and fails when
 * `src/lib/view-locals.ts` no longer matches the templates; `--write` rewrites that file.
 *
 * Also refused, with the template named: a template that assigns to one of these names (with
 * `with`, an undeclared one would have become a global shared by every request).
 */
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import * as prettier from 'prettier';
import ts from 'typescript';
import { VIEWS_DIR } from '../src/lib/paths.js';
import { templateSha } from '../src/lib/views.js';

/** Mail templates are compiled by src/lib/mailer.ts with its own options, not by the view engine. */
const EXCLUDED_DIRS = new Set(['emails']);

const LIST_FILE = path.resolve(import.meta.dirname, '..', 'src', 'lib', 'view-locals.ts');

function templatesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return dir === VIEWS_DIR && EXCLUDED_DIRS.has(e.name) ? [] : templatesUnder(file);
    return e.name.endsWith('.ejs') ? [file] : [];
  });
}

interface TemplateInternals {
  generateSource(): void;
  source: string;
}
type TemplateClass = new (text: string, options: ejs.Options) => TemplateInternals;

/** The template's text as src/lib/views.ts compiles it. */
const templateText = (file: string) => fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');

/** The template's body as EJS generates it, in a function of the parameters EJS gives it. */
function generatedSource(file: string): string {
  const Template = (ejs as unknown as { Template: TemplateClass }).Template;
  const template = new Template(templateText(file), { filename: file, _with: false, compileDebug: false });
  template.generateSource();
  return [
    'export function template(locals, escapeFn, include, rethrow) {',
    '  var __output = "";',
    '  function __append(s) { if (s !== undefined && s !== null) __output += s }',
    template.source,
    '  return __output;',
    '}',
  ].join('\n');
}

function isAssigned(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node) {
    const op = parent.operatorToken.kind;
    return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
  }
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) {
    return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;
  }
  return false;
}

function identifierAt(source: ts.SourceFile, position: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node) => {
    if (position < node.getStart(source) || position >= node.getEnd()) return;
    if (ts.isIdentifier(node)) found = node;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * Each page template's locals (path relative to views/ → the names it reads without declaring
 * them, sorted); throws when a template assigns to one. A name the process's global object
 * holds (URL, console…) is left out: with `with`, the template read the global unless a local
 * of that name existed, and no local is named so.
 */
export function viewLocals(): Record<string, { sha: string; names: string[] }> {
  const files = templatesUnder(VIEWS_DIR);
  const virtual = new Map(files.map((f) => [`${f}.js`, generatedSource(f)]));
  const options: ts.CompilerOptions = {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    // The language's globals only (Math, JSON, Intl…): Node's and the DOM's are not in a
    // template's scope unless a local brings them.
    lib: ['lib.es2023.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const text = virtual.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, languageVersion, true, ts.ScriptKind.JS);
    return getSourceFile(name, languageVersion, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const program = ts.createProgram([...virtual.keys()], options, host);

  const locals: Record<string, { sha: string; names: string[] }> = {};
  const assigned: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(`${file}.js`)!;
    const relative = path.relative(VIEWS_DIR, file).split(path.sep).join('/');
    const names = new Set<string>();
    for (const diagnostic of program.getSemanticDiagnostics(source)) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      // "Cannot find name 'x'", and `{ x }` where no x is declared ("No value exists in scope for the shorthand property").
      const free = message.startsWith('Cannot find name') || diagnostic.code === 18004;
      if (process.env.VIEW_LOCALS_DIAGNOSTICS) console.log(diagnostic.code, message.split('\n')[0]);
      if (!free || diagnostic.start === undefined) continue;
      const node = identifierAt(source, diagnostic.start);
      if (!node || !ts.isIdentifier(node)) throw new Error(`${relative}: no identifier for "${message}"`);
      if (isAssigned(node)) assigned.push(`${relative}: ${node.text}`);
      if (!(node.text in globalThis)) names.add(node.text);
    }
    locals[relative] = { sha: templateSha(templateText(file)), names: [...names].sort() };
  }
  if (assigned.length > 0) {
    throw new Error(
      `templates assign to a name they do not declare (declare it with var/let, or use another name): ${assigned.join(', ')}`,
    );
  }
  return locals;
}

/** The module src/lib/views.ts imports, as this script writes it (then formatted by prettier). */
export async function viewLocalsModule(locals: Record<string, { sha: string; names: string[] }>): Promise<string> {
  const entries = Object.entries(locals)
    .map(([file, { sha, names }]) => `  '${file}': { sha: '${sha}', names: [${names.map((n) => `'${n}'`).join(', ')}] },`)
    .join('\n');
  const text = `/**
 * Each page template's locals (views/, mails excepted): the names it reads without declaring
 * them, which src/lib/views.ts declares from the locals at the top of the compiled template, in
 * place of EJS's \`with (locals)\`, as long as the template's text is the one \`sha\` was taken
 * from (otherwise it is compiled with \`with\`). Written by \`sh scripts/node24.sh npx tsx scripts/view-locals.ts --write\`,
 * never by hand; src/lib/view-locals.test.ts fails when a template and its list differ.
 */
export const VIEW_LOCALS: Readonly<Record<string, { readonly sha: string; readonly names: readonly string[] }>> = {
${entries}
};
`;
  return prettier.format(text, { ...(await prettier.resolveConfig(LIST_FILE)), filepath: LIST_FILE });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const locals = viewLocals();
  if (process.argv.includes('--write')) {
    fs.writeFileSync(LIST_FILE, await viewLocalsModule(locals));
    console.log(`${Object.keys(locals).length} templates' locals written to ${path.relative(process.cwd(), LIST_FILE)}`);
  } else {
    for (const [file, { names }] of Object.entries(locals)) console.log(`${file}: ${names.join(' ')}`);
  }
}
