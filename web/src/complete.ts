/**
 * Field-name completion for the query box (pure): finds the word under the caret, and if it can be
 * a field name (not inside quotes, not after an operator) offers the known names starting with it.
 */

export interface Completion {
  /** Where the word being completed starts and ends in the text. */
  start: number;
  end: number;
  prefix: string;
  suggestions: string[];
}

const FIELD_CHARS = /[\w.@-]/;

/** Whether position `at` is inside a quoted string or a backticked name. */
function insideQuotes(text: string, at: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < at; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
  }
  return quote !== undefined;
}

export function complete(
  text: string,
  caret: number,
  fields: readonly string[],
  max = 8,
): Completion | undefined {
  if (insideQuotes(text, caret)) return undefined;
  let start = caret;
  while (start > 0 && FIELD_CHARS.test(text[start - 1]!)) start--;
  let end = caret;
  while (end < text.length && FIELD_CHARS.test(text[end]!)) end++;
  const prefix = text.slice(start, caret);
  if (prefix.length === 0) return undefined;
  // After an operator the word is a value, not a field.
  const before = text.slice(0, start).trimEnd();
  if (/(=|!=|<|>|<=|>=)$/.test(before)) return undefined;
  const lower = prefix.toLowerCase();
  const suggestions = fields
    .filter((f) => f.toLowerCase().startsWith(lower) && f !== prefix)
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
    .slice(0, max);
  return suggestions.length > 0 ? { start, end, prefix, suggestions } : undefined;
}

/** The text with the completion applied, and the caret after the inserted name. */
export function applyCompletion(
  text: string,
  completion: Completion,
  name: string,
): { text: string; caret: number } {
  return {
    text: text.slice(0, completion.start) + name + text.slice(completion.end),
    caret: completion.start + name.length,
  };
}
