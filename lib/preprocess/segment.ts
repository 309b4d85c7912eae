/**
 * A handwritten number → its digits, left to right. Connected pieces of ink are the starting point; pieces
 * that overlap horizontally are strokes of one digit (a broken 5, a 4 drawn in two strokes) and are joined;
 * a piece far wider than a digit is touching digits and is cut at the columns with least ink.
 */
import { Box } from './crop';
import { labelRegions } from './denoise';
import { ImageError } from './errors';
import { GrayImage, grayImage, MNIST_SIDE } from './image';
import { BLANK, digitToMnist, inkOf, isSpeck, workingScale } from './pipeline';

/** Two pieces are one digit when this share of the narrower one's width lies over the other. */
const SAME_DIGIT_OVERLAP = 0.5;
/** Wider than this many times its height, a piece holds touching digits (a wide single 2 or 4 is not cut). */
const MAX_DIGIT_ASPECT = 1.7;
/** The width of one digit in a run of touching ones, relative to their height, to count them. */
const TYPICAL_DIGIT_ASPECT = 0.7;
/** A cut is sought this share of a digit's width either side of the even spacing. */
const CUT_SEARCH = 0.3;

export interface SegmentedDigit {
  /** The 28×28 MNIST input. */
  input: Float32Array;
  /** In the original image's pixels. */
  box: Box;
}

interface Piece {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  labels: Set<number>;
}

function piecesOf(labels: Int32Array, width: number, count: number): Piece[] {
  const pieces = Array.from({ length: count }, (_, i): Piece => ({ x0: Infinity, x1: -1, y0: Infinity, y1: -1, labels: new Set([i + 1]) }));
  labels.forEach((label, p) => {
    if (!label) return;
    const piece = pieces[label - 1];
    const [x, y] = [p % width, Math.floor(p / width)];
    [piece.x0, piece.x1, piece.y0, piece.y1] = [Math.min(piece.x0, x), Math.max(piece.x1, x), Math.min(piece.y0, y), Math.max(piece.y1, y)];
  });
  return pieces;
}

function joinOverlapping(pieces: Piece[]): Piece[] {
  const sorted = [...pieces].sort((a, b) => a.x0 - b.x0);
  const out: Piece[] = [];
  for (const piece of sorted) {
    const last = out[out.length - 1];
    const overlap = last ? Math.min(last.x1, piece.x1) - Math.max(last.x0, piece.x0) + 1 : 0;
    if (last && overlap >= SAME_DIGIT_OVERLAP * Math.min(last.x1 - last.x0 + 1, piece.x1 - piece.x0 + 1)) {
      [last.x0, last.x1, last.y0, last.y1] = [Math.min(last.x0, piece.x0), Math.max(last.x1, piece.x1), Math.min(last.y0, piece.y0), Math.max(last.y1, piece.y1)];
      piece.labels.forEach((l) => last.labels.add(l));
    } else out.push({ ...piece, labels: new Set(piece.labels) });
  }
  return out;
}

/** Column ranges [from, to] of the digits in one piece: itself, or cut where its vertical ink profile is lowest. */
function columnsOf(piece: Piece, ink: GrayImage, labels: Int32Array): [number, number][] {
  const width = piece.x1 - piece.x0 + 1;
  const height = piece.y1 - piece.y0 + 1;
  if (width <= MAX_DIGIT_ASPECT * height) return [[piece.x0, piece.x1]];
  const parts = Math.max(2, Math.round(width / (TYPICAL_DIGIT_ASPECT * height)));
  const profile = new Float64Array(width);
  for (let y = piece.y0; y <= piece.y1; y++) {
    for (let x = piece.x0; x <= piece.x1; x++) if (piece.labels.has(labels[y * ink.width + x])) profile[x - piece.x0] += ink.data[y * ink.width + x];
  }
  const step = width / parts;
  const cuts = Array.from({ length: parts - 1 }, (_, i) => {
    const middle = Math.round((i + 1) * step);
    let best = middle;
    for (let x = Math.max(1, Math.round(middle - CUT_SEARCH * step)); x <= Math.min(width - 2, Math.round(middle + CUT_SEARCH * step)); x++) {
      if (profile[x] < profile[best]) best = x;
    }
    return piece.x0 + best;
  });
  const edges = [piece.x0, ...cuts.map((c) => c + 1), piece.x1 + 1];
  return edges.slice(0, -1).map((from, i) => [from, edges[i + 1] - 1]);
}

/** The digits of a number image, left to right; throws a blank-image error when there is no digit-sized ink. */
export function segmentNumber(gray: GrayImage, side = MNIST_SIDE): SegmentedDigit[] {
  const ink = inkOf(gray);
  const scale = workingScale(gray);
  const { labels, areas } = labelRegions(ink);
  const pieces = joinOverlapping(piecesOf(labels, ink.width, areas.length - 1));
  const digits: SegmentedDigit[] = [];
  for (const piece of pieces) {
    for (const [from, to] of columnsOf(piece, ink, labels)) {
      const part = grayImage(ink.width, ink.height);
      let [y0, y1] = [Infinity, -1];
      for (let y = piece.y0; y <= piece.y1; y++) {
        for (let x = from; x <= to; x++) {
          const p = y * ink.width + x;
          if (!piece.labels.has(labels[p])) continue;
          part.data[p] = ink.data[p];
          [y0, y1] = [Math.min(y0, y), Math.max(y1, y)];
        }
      }
      if (y1 < 0) continue;
      const box = { x: from, y: y0, width: to - from + 1, height: y1 - y0 + 1 };
      if (isSpeck(box, ink)) continue;
      digits.push({
        input: digitToMnist(part, side),
        box: { x: Math.round(box.x / scale), y: Math.round(box.y / scale), width: Math.round(box.width / scale), height: Math.round(box.height / scale) },
      });
    }
  }
  if (!digits.length) throw new ImageError(BLANK);
  return digits;
}
