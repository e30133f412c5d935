/** Exit codes of the `kamal-cdk` command. */
export enum ExitCode {
  /** Done: written, up to date, or printed. */
  OK = 0,
  /** Validation, type or construction errors (or warnings under `--strict`); the output folder was not changed. */
  VALIDATION_FAILED = 1,
  /** `check` found that the output folder differs from a fresh synth. */
  DRIFT = 2,
  /** `check`/`diff` found a write that was interrupted (a crash or kill); run `kamal-cdk synth` to finish or undo it. */
  INTERRUPTED = 3,
  /** Bad command line (unknown flag, missing value). */
  USAGE = 64,
  /** Another kamal-cdk is writing the same output folder. */
  LOCKED = 75,
}
