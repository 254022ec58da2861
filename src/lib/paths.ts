import path from 'node:path';

/** The project root, whether running from src/ (tsx) or dist/ (compiled). */
export const ROOT_DIR = path.resolve(import.meta.dirname, '..', '..');
export const VIEWS_DIR = path.join(ROOT_DIR, 'views');
export const PUBLIC_DIR = path.join(ROOT_DIR, 'public');
export const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');
export const DATA_DIR = path.join(ROOT_DIR, '.data');
