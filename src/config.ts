import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DATA_DIR } from './lib/paths.js';

/**
 * One schema over the environment, parsed once at boot. Development defaults exist only
 * outside production: a production deployment must say everything that matters.
 */
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());

const trustProxySchema = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx): boolean | number | string => {
      if (v === undefined || v === 'false') return false;
      if (/^\d+$/.test(v)) return Number(v);
      if (v === 'true') {
        ctx.addIssue({
          code: 'custom',
          message: "'true' trusts any X-Forwarded-For: give a hop count (1) or a subnet list",
        });
        return z.NEVER;
      }
      return v;
    }),
);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: optionalUrl,
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    EMBEDDED_PG_DATA_DIR: optionalString,
    PUBLIC_BASE_URL: optionalUrl,
    SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32).optional()),
    SMTP_URL: optionalUrl,
    MAIL_FROM: z.preprocess(emptyToUndefined, z.string().default('Espace Famille <no-reply@espace-famille.localhost>')),
    TRUST_PROXY: trustProxySchema,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CAPTCHA_TEST_SOLUTION: optionalString,
    DEMO_DATA: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).optional()),
    ARGON2_MAX_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).optional()),
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
    COMPRESSION: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')),
    PAYFIP_WS_URL: z.preprocess(emptyToUndefined, z.url().default('https://www.payfip.gouv.fr/tpa/services/securite')),
    PAYFIP_PAYMENT_URL: z.preprocess(emptyToUndefined, z.url().default('https://www.payfip.gouv.fr/tpa/paiementws.web')),
  })
  .superRefine((env, ctx) => {
    // Node refuses to build a server whose headers may take longer than the whole request.
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS' });
    if (env.NODE_ENV !== 'production') return;
    if (!env.DATABASE_URL) ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required in production' });
    if (!env.SESSION_SECRET)
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'required in production (32 characters or more)' });
    if (!env.PUBLIC_BASE_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required in production' });
    if (!env.SMTP_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'required in production (mail would otherwise stay in the local mailbox)',
      });
    if (env.CAPTCHA_TEST_SOLUTION) {
      ctx.addIssue({
        code: 'custom',
        path: ['CAPTCHA_TEST_SOLUTION'],
        message: 'is for automated tests only and must not be set in production',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  /** Cookies are `Secure` when the public address is https (a plain-http test stack still works). */
  secureCookies: boolean;
  port: number;
  host: string;
  /** Undefined means: start an embedded PostgreSQL. */
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  /** Where the embedded server keeps its data. */
  embeddedPgDataDir: string;
  publicBaseUrl: string;
  sessionSecret: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  trustProxy: boolean | number | string;
  logLevel: Env['LOG_LEVEL'];
  captchaTestSolution: string | undefined;
  demoData: boolean;
  argon2MaxConcurrency: number;
  /** Connections per process: more than a few per core only adds contention. */
  databasePoolMax: number;
  /** Production only: how many app processes the supervisor keeps running (src/lib/supervisor.ts). */
  webConcurrency: number;
  /** Time a client has to send the request line and headers, then the whole request, body included. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  /**
   * Compress responses (gzip, brotli) in the app: only when it faces users directly. Behind
   * the reverse proxy of docker-compose.yml, the proxy compresses, off the app's CPU.
   */
  compression: boolean;
  /**
   * PayFiP's régie web service and the payment page the family is sent to (DGFiP): in the
   * configuration because the host has moved before (tipi.budget.gouv.fr → payfip.gouv.fr).
   */
  payfipWsUrl: string;
  payfipPaymentUrl: string;
}

export class ConfigError extends Error {}

/** Turns zod's issues into one readable message naming each bad variable. */
function describe(error: z.ZodError): string {
  const lines = error.issues.map((issue) => `  - ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  return `Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`;
}

/** A development session secret, generated once and kept under .data/ so sessions survive restarts. */
function developmentSecret(): string {
  const file = path.join(DATA_DIR, 'session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    const secret = crypto.randomBytes(48).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(describe(parsed.error));
  const env = parsed.data;
  const port = env.PORT;
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    secureCookies: (env.PUBLIC_BASE_URL ?? '').startsWith('https:'),
    port,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    embeddedPgPort: env.EMBEDDED_PG_PORT,
    embeddedPgDataDir: path.resolve(env.EMBEDDED_PG_DATA_DIR ?? path.join(DATA_DIR, 'pg')),
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    sessionSecret: env.SESSION_SECRET ?? developmentSecret(),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    captchaTestSolution: env.CAPTCHA_TEST_SOLUTION,
    // Demo towns by default for development only; a production deployment opts in.
    demoData: env.DEMO_DATA ? env.DEMO_DATA === 'true' : env.NODE_ENV !== 'production',
    argon2MaxConcurrency:
      env.ARGON2_MAX_CONCURRENCY ??
      defaultHashConcurrency(os.availableParallelism(), env.NODE_ENV === 'production' ? env.WEB_CONCURRENCY : 1),
    databasePoolMax: env.DATABASE_POOL_MAX,
    webConcurrency: env.WEB_CONCURRENCY,
    httpHeadersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    compression: env.COMPRESSION === 'true',
    payfipWsUrl: env.PAYFIP_WS_URL,
    payfipPaymentUrl: env.PAYFIP_PAYMENT_URL,
  };
}

/**
 * Argon2id hashes one process runs at once when ARGON2_MAX_CONCURRENCY is not set: the
 * cores left once one is kept for the event loops, shared among the workers, between 1 and 4
 * (libuv's default thread pool). Every hash beyond the cores takes a core from the pages: at
 * the opening-time rush on 2 cores, 4 at once put VALIDER's p95 at 1–1.8 s and 1 at once at
 * 150–350 ms (docs/performance.md, "The opening-time rush").
 */
export function defaultHashConcurrency(cores: number, workers: number): number {
  return Math.max(1, Math.min(4, Math.floor((cores - 1) / workers)));
}
