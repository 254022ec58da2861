import { describe, expect, it } from 'vitest';
import { fileLabel } from './file-label.js';

describe('fileLabel', () => {
  it('names the type and the size in Ko, never 0', () => {
    expect(fileLabel('application/pdf', 120 * 1024)).toBe('PDF, 120 Ko');
    expect(fileLabel('application/pdf', 200)).toBe('PDF, 1 Ko');
    expect(fileLabel('application/vnd.oasis.opendocument.text', 3200 * 1024)).toBe('ODT, 3 200 Ko');
  });
});
