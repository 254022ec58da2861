import { describe, expect, it } from 'vitest';
import { agentMessageSchema, parseMessageWithFiles } from './requests.schemas.js';

describe('a message and its files', () => {
  it('reads the message, its line breaks kept', () => {
    expect(parseMessageWithFiles(agentMessageSchema, { message: ' Bonjour,\r\nmerci ' })).toEqual({
      ok: true,
      message: 'Bonjour,\nmerci',
      files: [],
    });
  });

  it('says every problem at once, keeps what was typed, and answers 413 for a file too large', () => {
    const tooLarge = { field: 'fichiers', status: 413 as const, message: 'Le fichier « scan.pdf » dépasse 10 Mo' };
    expect(parseMessageWithFiles(agentMessageSchema, { message: '' }, { files: [], received: 1, problem: tooLarge })).toEqual({
      ok: false,
      status: 413,
      errors: [
        { field: 'message', message: 'Saisissez votre message à la famille' },
        { field: 'fichiers', message: 'Le fichier « scan.pdf » dépasse 10 Mo' },
      ],
      values: { message: '' },
    });
    const refused = { field: 'fichiers', status: 400 as const, message: 'Choisissez un fichier PDF, JPG ou PNG' };
    const result = parseMessageWithFiles(agentMessageSchema, { message: 'Voici' }, { files: [], received: 1, problem: refused });
    expect(result).toMatchObject({ ok: false, status: 400, values: { message: 'Voici' } });
  });
});
