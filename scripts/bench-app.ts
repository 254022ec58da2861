import crypto from 'node:crypto';
import { loadConfig, type Config } from '../src/config.js';

/**
 * The app's configuration in every bench: production mode (view cache, `__Host-` cookies)
 * "behind a proxy" — TRUST_PROXY=1, and each request carries `X-Forwarded-Proto: https`, as
 * a TLS-terminating load balancer sends it; without it the production (`Secure`) session
 * cookie is never set over plain HTTP — with the demo towns, a fresh session secret and an
 * SMTP address nothing listens on unless the script says otherwise. `overrides` adds or
 * replaces variables (LOG_LEVEL, SMTP_URL, COMPRESSION…).
 */
export function benchConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: crypto.randomBytes(32).toString('base64url'),
    PUBLIC_BASE_URL: 'https://espace-famille.example',
    TRUST_PROXY: '1',
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'true',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    ...overrides,
  });
}
