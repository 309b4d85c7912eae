import { PixelwiseError } from '../util/errors';

/** The one error type of image reading and preprocessing: a short problem, optionally tied to a file. */
export class ImageError extends PixelwiseError {
  constructor(readonly problem: string, readonly file?: string) {
    super(file === undefined ? problem : `${file}: ${problem}`);
  }
}
