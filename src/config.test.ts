import { describe, expect, it } from 'vitest';
import { ConfigError, defaultHashConcurrency, loadConfig } from './config.js';

describe('configuration', () => {
  it('has development defaults and needs nothing to start', () => {
    const config = loadConfig({ NODE_ENV: 'development', SESSION_SECRET: 'x'.repeat(40) });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
  });

  it('keeps a core for the pages when it chooses how many password hashes run at once', () => {
    // 2 cores: one hash at a time, whether one worker or two (one hash each, one per core).
    expect(defaultHashConcurrency(2, 1)).toBe(1);
    expect(defaultHashConcurrency(2, 2)).toBe(1);
    expect(defaultHashConcurrency(1, 1)).toBe(1);
    expect(defaultHashConcurrency(4, 1)).toBe(3);
    expect(defaultHashConcurrency(16, 1)).toBe(4);
    expect(defaultHashConcurrency(16, 4)).toBe(3);
    const env = { NODE_ENV: 'development', SESSION_SECRET: 'x'.repeat(40) } as const;
    expect(loadConfig({ ...env, ARGON2_MAX_CONCURRENCY: '6' }).argon2MaxConcurrency).toBe(6);
    expect(loadConfig({ ...env, ARGON2_MAX_CONCURRENCY: '' }).argon2MaxConcurrency).toBeGreaterThanOrEqual(1);
    expect(() => loadConfig({ ...env, ARGON2_MAX_CONCURRENCY: '0' })).toThrow(/ARGON2_MAX_CONCURRENCY/);
  });

  it('names each bad variable in one message', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'not a url', SESSION_SECRET: 'x'.repeat(40) });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('PORT');
      expect((err as Error).message).toContain('DATABASE_URL');
    }
  });

  it('requires the production settings and refuses the test CAPTCHA in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET[\s\S]*|DATABASE_URL/);
    const message = (() => {
      try {
        loadConfig({
          NODE_ENV: 'production',
          DATABASE_URL: 'postgres://u:p@db/ef',
          SESSION_SECRET: 'x'.repeat(40),
          PUBLIC_BASE_URL: 'https://famille.example.fr',
          CAPTCHA_TEST_SOLUTION: 'abc',
        });
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toContain('CAPTCHA_TEST_SOLUTION');
  });

  it('refuses TRUST_PROXY=true, which would let anyone spoof their address', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '1', SESSION_SECRET: 'x'.repeat(40) }).trustProxy).toBe(1);
  });

  it('bounds the time a client has to send a request, and refuses headers allowed longer than the whole request', () => {
    const config = loadConfig({ SESSION_SECRET: 'x'.repeat(40) });
    expect(config.httpHeadersTimeoutMs).toBe(20_000);
    expect(config.httpRequestTimeoutMs).toBe(120_000);
    expect(() => loadConfig({ SESSION_SECRET: 'x'.repeat(40), HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS/,
    );
  });

  it('runs one worker unless told otherwise, and keeps the embedded data under .data/pg unless told otherwise', () => {
    const config = loadConfig({ SESSION_SECRET: 'x'.repeat(40) });
    expect(config.webConcurrency).toBe(1);
    expect(config.embeddedPgDataDir).toMatch(/[/\\]\.data[/\\]pg$/);
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(40), WEB_CONCURRENCY: '4' }).webConcurrency).toBe(4);
    expect(() => loadConfig({ SESSION_SECRET: 'x'.repeat(40), WEB_CONCURRENCY: '0' })).toThrow(/WEB_CONCURRENCY/);
  });

  it('leaves compression to the reverse proxy unless COMPRESSION=true, and refuses anything else', () => {
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(40) }).compression).toBe(false);
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(40), COMPRESSION: 'true' }).compression).toBe(true);
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(40), COMPRESSION: '' }).compression).toBe(false);
    expect(() => loadConfig({ SESSION_SECRET: 'x'.repeat(40), COMPRESSION: 'yes' })).toThrow(/COMPRESSION/);
  });
});
