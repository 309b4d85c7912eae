/** Notebook-series plumbing: result tables, the figures the notebooks add, and the HTML report. */
export { architecturesFrame, calibrationFrame, runsFrame, perClassFrame, perClassF1Frame, confusedPairs, confusedPairsFrame, runLabel, tableData, tableHtml, toCsv, formatCell } from './tables';
export { frame } from '../util/frame';
export type { ConfusedPair, Row, RunLike, TableData } from './tables';
export { classCounts, pixelStats, samplesPerClass } from './data-stats';
export type { PixelStats } from './data-stats';
export { classBalanceFigure, digitSamplesFigure, greyLevelFigure, meanDigitsFigure, tileImages } from './data-figures';
export { misclassifiedExamples, runFigures } from './run-figures';
export type { NamedFigure } from './run-figures';
export { confusedPairsFigure, modelResults, perClassF1Figure } from './comparison-figures';
export { NotebookReport, REPORT_DIR } from './record';
export type { NotebookReportOptions, ReportItem, ReportPart } from './record';
export { buildReport, readParts, reportHtml } from './html';
export { interpretRun, plotRun } from './plot-run';
export { interpretFigures } from './interpret-figures';
export type { InterpretInput, InterpretOptions } from './interpret-figures';
export { readRealInput } from './real-input';
export type { RealInputOptions } from './real-input';
