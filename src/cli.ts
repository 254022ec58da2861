import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { embeddedUrl, ensureDatabase, startEmbeddedPostgres } from './db/embedded.js';
import { precreateAccount } from './features/parent-accounts/parent-accounts.service.js';
import { createAgent } from './features/agents/agents.service.js';
import { JobQueue } from './jobs/queue.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { findTownBySlug } from './repositories/towns.repository.js';
import pg from 'pg';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createOperator } from './features/operators/operators.service.js';
import { createTown, exportTown, removeTown } from './features/towns/towns.service.js';

/**
 * Administration commands: `npm run cli -- <command> [options]`. They use DATABASE_URL,
 * or the embedded server on EMBEDDED_PG_DATA_DIR (.data/pg by default): the one `npm start`
 * runs if it is running, since one server at a time owns that directory.
 */
const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  precreate-account --town <slug> --civility <M|Mme> --last-name <nom> --first-name <prénom> --email <courriel> [--family-key <clé>]
      Création rapide: creates a parent's account and queues the welcome mail (activation link,
      username, temporary password).
  create-agent --town <slug> --username <identifiant> --password <mot de passe> [--name <nom affiché>] [--email <courriel>] [--admin]
      Creates an agent of the back-office (an admin with --admin), usually a town's first admin,
      with the password you choose for yourself: it is not asked again at sign-in. Create the
      other agents from the back-office (Équipe), where they must replace the admin's choice.
      The password needs 12 characters with an uppercase, a lowercase and a digit.
  create-town --slug <slug> --name <nom> --admin-username <identifiant> --admin-password <mot de passe> [--admin-email <courriel>]
      Creates a town with its default settings, its first CGU and legal notice, and its first
      admin (who is not asked to change that password); no demo data. docs/communes.md.
  export-town --slug <slug> --out <fichier.zip>
      Writes the town's whole data: one CSV per table, its stored files, a manifest, a README.
  remove-town --slug <slug> --confirm <slug>
      Deletes the town and everything of it, in one transaction. --confirm repeats the slug.
  create-operator --username <identifiant> --password <mot de passe> [--name <nom affiché>]
      Creates an operator of the host, who signs in at /exploitation/connexion (ADR 0024).
      The password needs 14 characters with an uppercase, a lowercase and a digit.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  let stopEmbedded: (() => Promise<void>) | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) databaseUrl = await runningEmbeddedDatabase(config.embeddedPgPort);
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.embeddedPgDataDir, port: config.embeddedPgPort, logger });
    await ensureDatabase(embedded.adminUrl, 'espace_famille');
    databaseUrl = embedded.urlFor('espace_famille');
    stopEmbedded = () => embedded.stop();
  }
  const pool = createPool(databaseUrl, logger, 2);
  // Queues jobs (the welcome mail) without running any: the app's workers send them.
  const jobs = new JobQueue({ pool, clock: systemClock, config, logger, work: false });
  try {
    await migrate(pool, logger);
    await jobs.start();
    const ctx = { pool, clock: systemClock, config };
    switch (command) {
      case 'precreate-account': {
        const { values } = parseArgs({
          args: rest,
          options: {
            town: { type: 'string' },
            civility: { type: 'string' },
            'last-name': { type: 'string' },
            'first-name': { type: 'string' },
            email: { type: 'string' },
            'family-key': { type: 'string' },
          },
          strict: true,
        });
        const missing = ['town', 'civility', 'last-name', 'first-name', 'email'].filter((k) => !values[k as keyof typeof values]);
        if (missing.length) throw new UsageError(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}`);
        if (values.civility !== 'M' && values.civility !== 'Mme') throw new UsageError('--civility must be M or Mme');
        if (!/^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/.test(values.email!)) throw new UsageError('--email is not a valid address');
        const town = await findTownBySlug(pool, values.town!);
        if (!town) throw new UsageError(`unknown town: ${values.town}`);
        const result = await precreateAccount(ctx, town, {
          civility: values.civility,
          lastName: values['last-name']!,
          firstName: values['first-name']!,
          email: values.email!,
          familyKey: values['family-key'] ?? null,
        });
        if (result.kind === 'email_taken') throw new UsageError(`an account already uses ${values.email} in ${town.slug}`);
        if (result.kind === 'unknown_key') throw new UsageError(`no family file of ${town.slug} has the key ${values['family-key']}`);
        console.log(
          `Account created in ${town.slug}: username "${result.account.username}". The welcome mail is queued for ${result.account.email}.`,
        );
        return 0;
      }
      case 'create-agent': {
        const { values } = parseArgs({
          args: rest,
          options: {
            town: { type: 'string' },
            username: { type: 'string' },
            password: { type: 'string' },
            name: { type: 'string' },
            email: { type: 'string' },
            admin: { type: 'boolean', default: false },
          },
          strict: true,
        });
        const missing = ['town', 'username', 'password'].filter((k) => !values[k as keyof typeof values]);
        if (missing.length) throw new UsageError(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}`);
        const town = await findTownBySlug(pool, values.town!);
        if (!town) throw new UsageError(`unknown town: ${values.town}`);
        const result = await createAgent(
          ctx,
          town,
          {
            username: values.username!,
            displayName: values.name ?? values.username!,
            email: values.email ?? null,
            password: values.password!,
            role: values.admin ? 'admin' : 'agent',
            // The operator types this password for themself, to open a town's back-office
            // (usually its first admin): nobody else learns it, so there is nothing to replace.
            // The agents that admin then creates do have to change theirs.
            mustChangePassword: false,
          },
          { agentId: null, actorLabel: 'ligne de commande', ip: null },
        );
        if (result.kind === 'errors') throw new UsageError(result.errors.map((e) => `${e.field}: ${e.message}`).join('\n'));
        console.log(
          `${result.agent.role === 'admin' ? 'Admin' : 'Agent'} "${result.agent.username}" created in ${town.slug}: sign in at /${town.slug}/agents/connexion`,
        );
        return 0;
      }
      // Operating many towns (issue 20): the same service as the operators' pages.
      case 'create-town': {
        const { values } = parseArgs({
          args: rest,
          options: {
            slug: { type: 'string' },
            name: { type: 'string' },
            'admin-username': { type: 'string' },
            'admin-password': { type: 'string' },
            'admin-email': { type: 'string' },
          },
          strict: true,
        });
        const missing = ['slug', 'name', 'admin-username', 'admin-password'].filter((k) => !values[k as keyof typeof values]);
        if (missing.length) throw new UsageError(`missing option(s): ${missing.map((m) => `--${m}`).join(', ')}`);
        const result = await createTown(
          ctx,
          {
            slug: values.slug,
            nom: values.name,
            nomUtilisateur: values['admin-username'],
            motDePasse: values['admin-password'],
            courriel: values['admin-email'] ?? '',
          },
          CLI_ACTOR,
        );
        if (result.kind === 'errors') {
          const option: Record<string, string> = {
            slug: '--slug',
            nom: '--name',
            nomUtilisateur: '--admin-username',
            motDePasse: '--admin-password',
            courriel: '--admin-email',
          };
          throw new UsageError(result.errors.map((e) => `${option[e.field] ?? e.field}: ${e.message}`).join('\n'));
        }
        logger.info({ town: result.town.slug, admin: result.admin.username }, 'town created');
        console.log(
          `Town "${result.town.name}" created at /${result.town.slug}/ with its admin "${result.admin.username}": sign in at /${result.town.slug}/agents/connexion`,
        );
        return 0;
      }
      case 'export-town': {
        const { values } = parseArgs({ args: rest, options: { slug: { type: 'string' }, out: { type: 'string' } }, strict: true });
        if (!values.slug || !values.out) throw new UsageError('--slug and --out are required');
        const archive = await exportTown(ctx, values.slug, CLI_ACTOR);
        if (!archive) throw new UsageError(`unknown town: ${values.slug}`);
        await pipeline(archive.stream, createWriteStream(values.out));
        const rows = archive.manifest.reduce((sum, e) => sum + e.rows, 0);
        console.log(
          `Town ${archive.town.slug} exported to ${values.out}: ${archive.manifest.length} tables, ${rows} rows, ${archive.files} stored files.`,
        );
        return 0;
      }
      case 'remove-town': {
        const { values } = parseArgs({ args: rest, options: { slug: { type: 'string' }, confirm: { type: 'string' } }, strict: true });
        if (!values.slug) throw new UsageError('--slug is required');
        if (values.confirm !== values.slug) throw new UsageError('--confirm must repeat the slug of the town to remove');
        const result = await removeTown(ctx, values.slug, { confirmation: values.confirm }, CLI_ACTOR);
        if (result.kind === 'not_found') throw new UsageError(`unknown town: ${values.slug}`);
        if (result.kind === 'errors') throw new UsageError(result.errors.map((e) => e.message).join('\n'));
        // The log line, beside the operator_events row written with the removal.
        logger.warn({ town: result.town.slug, rows: result.rows }, 'town removed');
        console.log(`Town ${result.town.slug} (${result.town.name}) removed: ${result.rows} rows deleted.`);
        return 0;
      }
      case 'create-operator': {
        const { values } = parseArgs({
          args: rest,
          options: { username: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
          strict: true,
        });
        if (!values.username || !values.password) throw new UsageError('--username and --password are required');
        const result = await createOperator(ctx, { username: values.username, password: values.password, displayName: values.name ?? '' });
        if (result.kind === 'errors') throw new UsageError(result.errors.map((e) => `--${e.field}: ${e.message}`).join('\n'));
        console.log(`Operator "${result.operator.username}" created: sign in at /exploitation/connexion`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } finally {
    await jobs.stop();
    await pool.end();
    await stopEmbedded?.();
  }
}

class UsageError extends Error {}

const CLI_ACTOR = { operatorId: null, actorLabel: 'ligne de commande', ip: null };

/**
 * While `npm start` runs, its embedded server owns .data/pg: use that server rather than
 * start a second one on the same directory.
 */
async function runningEmbeddedDatabase(port: number): Promise<string | undefined> {
  const url = embeddedUrl(port, 'espace_famille');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`Error: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
