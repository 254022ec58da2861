import { describe, expect, it } from 'vitest';
import { contentDisposition } from './downloads.js';

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the UTF-8 name (RFC 6266)', () => {
    expect(contentDisposition('Attestation CAF été.pdf')).toBe(
      `attachment; filename="Attestation CAF ete.pdf"; filename*=UTF-8''Attestation%20CAF%20%C3%A9t%C3%A9.pdf`,
    );
  });
  it('cannot be broken out of: quotes, backslashes, line breaks', () => {
    const header = contentDisposition('a"b\\c\r\nSet-Cookie: x=1.pdf');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toBe(`attachment; filename="a_b_c__Set-Cookie: x=1.pdf"; filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1.pdf`);
  });
  it("encodes the characters RFC 5987 does not allow bare ('()*)", () => {
    expect(contentDisposition("l'acte (1)*.pdf")).toContain(`filename*=UTF-8''l%27acte%20%281%29%2A.pdf`);
  });
});
