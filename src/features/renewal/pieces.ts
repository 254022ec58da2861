/**
 * The kinds of piece a campaign may require are the private storage's document kinds: their
 * names only, for the agents' form and pages, which never read the storage itself.
 */
export { DOCUMENT_KINDS, kindLabel } from '../documents/documents.schemas.js';
