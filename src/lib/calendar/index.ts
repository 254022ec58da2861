/**
 * The town's calendar, in one place: days as 'YYYY-MM-DD' and their range (days), reading
 * what people type (parse), business days and public holidays (business), booking and
 * cancelling deadlines (deadlines), and days and instants in French words (labels).
 */
export * from './days.js';
export * from './parse.js';
export * from './business.js';
export * from './deadlines.js';
export * from './labels.js';
