/**
 * The one error type of the Sigma engine: a rule (or filter) that cannot be parsed or compiled.
 * `reason` is short and stable (it groups `vigil rules check`'s summary); the message names the
 * rule file and the place in the rule, e.g. `detection.selection.CommandLine|re`.
 */

/** Stable reason codes, one per kind of problem. */
export type SigmaErrorReason =
  | 'invalid_yaml'
  | 'invalid_rule'
  | 'invalid_condition'
  | 'unknown_modifier'
  | 'invalid_modifier'
  | 'invalid_value'
  | 'invalid_regex'
  | 'placeholder_without_values'
  | 'correlation_rule'
  | 'rule_collection'
  | 'aggregation'
  | 'too_large';

/** A rule or filter the engine cannot use, and why. */
export class SigmaError extends Error {
  constructor(
    readonly reason: SigmaErrorReason,
    readonly detail: string,
    /** Where in the rule: `detection.selection.CommandLine|re`, `condition`, `logsource`... */
    readonly location?: string,
    /** The rule's file, when it came from one. */
    readonly path?: string,
  ) {
    super(formatMessage(reason, detail, location, path));
    this.name = 'SigmaError';
  }

  /** The same error, attributed to a file (and a place, if it had none). */
  at(path: string | undefined, location?: string): SigmaError {
    return new SigmaError(this.reason, this.detail, this.location ?? location, this.path ?? path);
  }
}

function formatMessage(reason: string, detail: string, location?: string, path?: string): string {
  const where = [path, location].filter((x) => x !== undefined && x !== '').join(': ');
  return where ? `${where}: ${reason}: ${detail}` : `${reason}: ${detail}`;
}

/** Run `fn`, attributing any SigmaError it throws to `location` (when it has none yet). */
export function within<T>(location: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SigmaError && error.location === undefined) throw error.at(undefined, location);
    throw error;
  }
}
