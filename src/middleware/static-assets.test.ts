import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import supertest from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMMUTABLE, staticAssets } from './static-assets.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ef-assets-'));
  fs.mkdirSync(path.join(dir, 'css'));
  fs.writeFileSync(path.join(dir, 'css', 'main.css'), 'body { color: black; }\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function serve(assets: ReturnType<typeof staticAssets>) {
  const app = express();
  app.use('/public', assets.handler);
  return supertest(app);
}

describe('static assets with their content hash in the URL', () => {
  it('links a file by a URL holding its hash, served with a year of immutable caching', async () => {
    const assets = staticAssets(dir);
    const url = assets.url('css/main.css');
    expect(url).toMatch(/^\/public\/css\/main\.[0-9a-f]{12}\.css$/);
    const res = await serve(assets).get(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/css');
    expect(res.headers['cache-control']).toBe(IMMUTABLE);
    expect(res.text).toBe('body { color: black; }\n');
  });

  it('still serves the plain URL, revalidated on each use since its content may change', async () => {
    const res = await serve(staticAssets(dir)).get('/public/css/main.css');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('gives a changed file a new URL at the next start, and the same content the same URL', async () => {
    const before = staticAssets(dir).url('css/main.css');
    expect(staticAssets(dir).url('css/main.css')).toBe(before);
    fs.writeFileSync(path.join(dir, 'css', 'main.css'), 'body { color: navy; }\n');
    const after = staticAssets(dir);
    expect(after.url('css/main.css')).not.toBe(before);
    expect((await serve(after).get(after.url('css/main.css'))).text).toBe('body { color: navy; }\n');
  });

  it('outside production, sees a file edited while running: new URL, and the old one no longer answers', async () => {
    const assets = staticAssets(dir, { watch: true });
    const before = assets.url('css/main.css');
    // A different size, so the change shows even where mtimes are coarse.
    fs.writeFileSync(path.join(dir, 'css', 'main.css'), 'body { color: darkgreen; }\n');
    const after = assets.url('css/main.css');
    expect(after).not.toBe(before);
    const app = serve(assets);
    expect((await app.get(after)).text).toBe('body { color: darkgreen; }\n');
    expect((await app.get(before)).status).toBe(404);
  });

  it('refuses to link a file that does not exist, so a typo in a view fails its page at once', () => {
    expect(() => staticAssets(dir).url('css/mian.css')).toThrow(/no such file/);
  });
});
