/** The one error type of image reading and preprocessing: a short problem, optionally tied to a file. */
export class ImageError extends Error {
  constructor(readonly problem: string, readonly file?: string) {
    super(file === undefined ? problem : `${file}: ${problem}`);
    this.name = 'ImageError';
  }
}
