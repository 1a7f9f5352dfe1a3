import type { Parser } from './record.js';

/** The fallback for lines in no known format: the whole line is the message. Never fails. */
export const textParser: Parser = {
  name: 'text',
  sniff: () => true,
  parse: (text) => ({ format: 'text', fields: { message: text }, raw: text }),
};
