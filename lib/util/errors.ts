/**
 * The library's errors know how a command ends when they stop it: runCli prints their message whole (a
 * multi-line explanation keeps its lines) and exits with their exitCode. Any other error exits 1 with its
 * first line, a system error naming its path.
 */
export class PixelwiseError extends Error {
  /** 1: a problem with a file, the data or the machine. */
  readonly exitCode: number = 1;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A request that cannot be met as asked (an option, a configuration, a search space): exit 2, with a pointer to --help. */
export class UsageError extends PixelwiseError {
  override readonly exitCode: number = 2;
}
