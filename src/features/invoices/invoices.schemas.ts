import { z } from 'zod';
import { messageText } from '../requests/requests.schemas.js';

/** "Contester cette ligne": what the parent thinks is wrong. The line itself comes from the URL and is checked against the invoice. */
export const contestSchema = z.object({
  message: messageText('Expliquez ce qui vous semble inexact dans cette ligne'),
});
