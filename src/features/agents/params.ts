/** @deprecated use src/lib/params.ts (issue 11); kept only until the parents' rewrite is merged */
export { idParam, param } from '../../lib/params.js';
