/** PixelWise plotting: pure plotly figure builders, offline HTML/PNG/SVG export, notebook display. */
export type { Annotation, Axis, Datum, Figure, Layout, Trace } from './figure';
export { DEFAULT_HEIGHT, DEFAULT_WIDTH, GREY_SCALE } from './figure';

export { confusionMatrixFigure, normalizeConfusion } from './confusion';
export type { ConfusionNormalize, ConfusionOptions } from './confusion';

export { trainingCurvesFigure } from './curves';
export type { CurvesOptions } from './curves';

export { examplesGridFigure, misclassifiedFigure, exampleTitle } from './examples';
export type { Example, ExamplesOptions } from './examples';

export { perClassFigure } from './per-class';
export type { PerClassOptions } from './per-class';

export { modelComparisonFigure } from './comparison';
export type { ComparisonOptions, ModelResult } from './comparison';

export { sweepParallelFigure, sweepProgressFigure, sweepDimensions, sweepPlotTrials, bestSoFar } from './sweep';
export type { SweepTrial, SweepParallelOptions, SweepProgressOptions, ParcoordsDimension } from './sweep';

export { attentionOverlayFigure, upsampleGrid } from './attention';
export type { AttentionOptions } from './attention';

export { overlayGridFigure } from './overlay';
export type { OverlayGridOptions, OverlayGroup, OverlayPanel } from './overlay';

export { calibrationFigure } from './calibration';
export type { CalibrationOptions } from './calibration';

export { embeddingFigure } from './embedding';
export type { EmbeddingFigureOptions } from './embedding';

export { confusionTrendFigure } from './confusion-trend';
export type { ConfusionTrendOptions } from './confusion-trend';

export { figureToHtml } from './html';
export type { HtmlOptions } from './html';
export { FigureExporter, createExporter } from './export';
export type { ExportFormat, ExporterOptions, ImageOptions } from './export';
export { findChromium } from './chromium';

export { show, displayHtml, figureToNotebookHtml, resetNotebookPlotly } from './display';
export type { ShowOptions, HtmlDisplay } from './display';

export { numberBoxesFigure, stepsFigure } from './steps';
export type { Picture, ReadBox, StepPanel, StepsOptions } from './steps';
