import { z } from 'zod';

// Line breaks are welcome in a message; other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const MESSAGE_MAX = 5000;

export function messageText(empty: string) {
  return z
    .string()
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, empty)
        .max(MESSAGE_MAX, `Le message doit comporter ${MESSAGE_MAX} caractères au maximum`)
        .refine((v) => !CONTROL.test(v), "Le message contient un caractère qui n'est pas accepté : retirez-le"),
    );
}

/** The parent's message on a request (the answer, while a complement is asked). */
export const parentMessageSchema = z.object({ message: messageText('Saisissez votre message') });

/** An agent's message to the family. */
export const agentMessageSchema = z.object({ message: messageText('Saisissez votre message à la famille') });

/**
 * An agent's action on a request: what it becomes. A refusal carries its reason (`motif`),
 * a request for a complement its question (`complement`) — two fields, so each form's
 * error links to its own box.
 */
export const AGENT_ACTIONS = {
  prendre: 'in_progress',
  accepter: 'accepted',
  refuser: 'refused',
  complement: 'complement_requested',
} as const;
export type AgentAction = keyof typeof AGENT_ACTIONS;

function optionalText() {
  return z
    .string()
    .optional()
    .default('')
    .transform((v) => v.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .max(MESSAGE_MAX, `Le texte doit comporter ${MESSAGE_MAX} caractères au maximum`)
        .refine((v) => !CONTROL.test(v), "Le texte contient un caractère qui n'est pas accepté : retirez-le"),
    );
}

export const agentActionSchema = z.object({
  action: z.enum(['prendre', 'accepter', 'refuser', 'complement'], { error: 'Choisissez une action' }),
  motif: optionalText(),
  complement: optionalText(),
});
