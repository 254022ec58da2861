import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

const dom = (source: string) => load(renderMarkdown(source));

describe('renderMarkdown', () => {
  it('keeps headings (from h2), lists, tables, links and emphasis', () => {
    const $ = dom(
      [
        '# Horaires',
        '',
        '## Le mercredi',
        '',
        '- lundi',
        '- mardi',
        '',
        '1. un',
        '2. deux',
        '',
        '| Jour | Heures |',
        '| --- | --- |',
        '| Lundi | 8 h – 18 h |',
        '',
        'Voir **le menu** et *la carte* sur [le site](https://example.org/menu) ou [le portail](/ville/infos-pratiques).',
      ].join('\n'),
    );
    expect($('h1')).toHaveLength(0);
    expect($('h2').text()).toBe('Horaires');
    expect($('h3').text()).toBe('Le mercredi');
    expect(
      $('ul li')
        .map((_, li) => $(li).text())
        .get(),
    ).toEqual(['lundi', 'mardi']);
    expect($('ol li')).toHaveLength(2);
    expect($('table th').first().text()).toBe('Jour');
    expect($('table td').first().text()).toBe('Lundi');
    expect($('strong').text()).toBe('le menu');
    expect($('em').text()).toBe('la carte');
    expect($('a[href="https://example.org/menu"]').attr('rel')).toBe('noopener noreferrer');
    expect($('a[href="/ville/infos-pratiques"]').attr('rel')).toBeUndefined();
  });

  it('refuses script tags and raw HTML blocks', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<div onclick="x()">bloc</div>\n\nTexte <b>gras</b>');
    const $ = load(html);
    expect($('script')).toHaveLength(0);
    expect($('div')).toHaveLength(0);
    expect($('b')).toHaveLength(0);
    expect(html).not.toContain('<script');
    expect($('[onclick]')).toHaveLength(0);
  });

  it('refuses event handlers on an image', () => {
    const $ = dom('<img src=x onerror="alert(1)">\n\n![image](x" onerror="alert(1))');
    expect($('img')).toHaveLength(0);
    expect($('[onerror]')).toHaveLength(0);
  });

  it.each([
    '[clic](javascript:alert(1))',
    '[clic](JaVaScRiPt:alert(1))',
    '[clic](&#106;avascript:alert(1))',
    '[clic](java&#x09;script:alert(1))',
    '[clic]( javascript:alert(1))',
    '<a href="javascript:alert(1)">clic</a>',
    '[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[clic](vbscript:msgbox(1))',
  ])('refuses a dangerous link: %s', (source) => {
    const $ = dom(source);
    $('a').each((_, a) => {
      const href = ($(a).attr('href') ?? '').replace(/\s/g, '').toLowerCase();
      expect(href).not.toMatch(/^(javascript|data|vbscript):/);
    });
  });

  it('refuses iframes and style attributes', () => {
    const $ = dom('<iframe src="https://evil.example"></iframe>\n\n<p style="color:red">rouge</p>\n\n<style>body{}</style>');
    expect($('iframe')).toHaveLength(0);
    expect($('style')).toHaveLength(0);
    expect($('[style]')).toHaveLength(0);
  });
});
