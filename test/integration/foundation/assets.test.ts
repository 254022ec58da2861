import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';

let plain: TestApp;
let compressing: TestApp;
beforeAll(async () => {
  [plain, compressing] = await Promise.all([createTestApp(), createTestApp({ env: { COMPRESSION: 'true' } })]);
});
afterAll(async () => Promise.all([plain.close(), compressing.close()]));

describe('static assets: long-lived caching, new URL when the file changes', () => {
  it('links the stylesheet, the script and the favicon by hashed URLs that browsers keep a year', async () => {
    const home = parse(await plain.agent().get('/'));
    const urls = [
      home.one('link[rel="stylesheet"]').attr('href')!,
      home.one('script[src]').attr('src')!,
      home.one('link[rel="icon"]').attr('href')!,
    ];
    expect(urls[0]).toMatch(/^\/public\/css\/main\.[0-9a-f]{12}\.css$/);
    expect(urls[1]).toMatch(/^\/public\/js\/main\.[0-9a-f]{12}\.js$/);
    expect(urls[2]).toMatch(/^\/public\/favicon\.[0-9a-f]{12}\.svg$/);
    for (const url of urls) {
      const res = await plain.agent().get(url);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // The security headers stay on assets too.
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('keeps pages themselves out of caches', async () => {
    expect((await plain.agent().get('/tarnos/')).headers['cache-control']).toBe('no-store');
  });
});

describe('compression in the app (COMPRESSION=true, when no proxy compresses in front)', () => {
  it('is off by default: the reverse proxy compresses', async () => {
    const res = await plain.agent().get('/tarnos/').set('Accept-Encoding', 'gzip, br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('compresses pages and the stylesheet for a browser that accepts it, and the page reads the same', async () => {
    const agent = compressing.agent();
    const pageRes = await agent.get('/tarnos/').set('Accept-Encoding', 'gzip');
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers['content-encoding']).toBe('gzip');
    expect(pageRes.headers.vary).toMatch(/Accept-Encoding/i);
    expect(parse(pageRes).one('h1').text()).toBe(
      parse(await plain.agent().get('/tarnos/'))
        .one('h1')
        .text(),
    );
    const css = parse(pageRes).one('link[rel="stylesheet"][href^="/public/"]').attr('href')!;
    const cssRes = await agent.get(css).set('Accept-Encoding', 'br, gzip');
    expect(cssRes.headers['content-encoding']).toMatch(/^(br|gzip)$/);
    expect(cssRes.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sends plain bytes to a client that asks for none', async () => {
    const res = await compressing.agent().get('/tarnos/').set('Accept-Encoding', 'identity');
    expect(res.headers['content-encoding']).toBeUndefined();
  });
});
