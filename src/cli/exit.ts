/** Exit codes, documented in `vigil --help` and the README. */
export const Exit = {
  Ok: 0,
  /** Runtime failure: I/O, store, server unreachable. */
  Failure: 1,
  /** Bad usage or invalid configuration. */
  Usage: 2,
  /** Finished, but some records were rejected (see the summary). */
  PartialReject: 3,
  /** Verification found tampering: altered, deleted, inserted or reordered events, or bad heads. */
  VerifyFailed: 4,
} as const;

/** An error the CLI reports as one line (no stack) with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = Exit.Failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
