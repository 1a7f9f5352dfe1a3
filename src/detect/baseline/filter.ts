/**
 * Which events a learned detector looks at, and the values it reads from them: a compiled event
 * filter (OCSF classes, field equals/in, field matches a pattern) and field readers that turn an
 * OCSF attribute into entity text or a number. Pure.
 */
import { getPath, type OcsfEvent } from '../../normalize/ocsf.js';
import type { EventFilterConfig } from './config.js';

/** Longest entity text kept (longer values are cut, so one hostile field cannot bloat state). */
export const MAX_VALUE_CHARS = 512;

/** A scalar attribute as text; objects, arrays, '' and absent: undefined. */
export function fieldText(event: unknown, path: string): string | undefined {
  const v = getPath(event, path);
  if (typeof v === 'string')
    return v === '' ? undefined : v.length > MAX_VALUE_CHARS ? v.slice(0, MAX_VALUE_CHARS) : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** The first of the fields the event has, as text. */
export function firstText(
  event: unknown,
  paths: readonly string[],
): { field: string; text: string } | undefined {
  for (const field of paths) {
    const text = fieldText(event, field);
    if (text !== undefined) return { field, text };
  }
  return undefined;
}

/** A finite, non-negative number (or numeric text) at the path; else undefined. */
export function fieldNumber(event: unknown, path: string): number | undefined {
  const v = getPath(event, path);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export type EventFilter = (event: OcsfEvent) => boolean;

/** Compile a filter: class in the list (if any), every `where` holds, every `match` matches. */
export function compileFilter(config: EventFilterConfig): EventFilter {
  const classes = new Set(config.class_uid);
  const where = Object.entries(config.where).map(
    ([field, want]) => [field, new Set((Array.isArray(want) ? want : [want]).map(String))] as const,
  );
  const match = Object.entries(config.match).map(([field, re]) => [field, new RegExp(re, 'i')] as const);
  return (event) => {
    if (classes.size > 0 && !classes.has(event.class_uid)) return false;
    for (const [field, values] of where) {
      const text = fieldText(event, field);
      if (text === undefined || !values.has(text)) return false;
    }
    for (const [field, re] of match) {
      const text = fieldText(event, field);
      if (text === undefined || !re.test(text)) return false;
    }
    return true;
  };
}
