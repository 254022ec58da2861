/** @deprecated use parisDay from lib/calendar (issue 11); left for family.routes.ts and documents.routes.ts */
export { parisDay } from './calendar/index.js';
