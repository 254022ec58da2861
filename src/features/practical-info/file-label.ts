import { formatLabel } from '../../lib/file-checks.js';

/** "PDF, 120 Ko": what a visitor reads beside a file before downloading it. */
export function fileLabel(contentType: string, sizeBytes: number): string {
  const ko = Math.max(1, Math.round(sizeBytes / 1024));
  return `${formatLabel(contentType)}, ${ko.toLocaleString('fr-FR').replace(/\s/g, ' ')} Ko`;
}
