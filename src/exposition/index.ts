/** Public face of src/exposition: Prometheus text (0.0.4) and OpenMetrics parsing, streaming. */
export { LineParser, parseFloatToken, type ExpositionFormat, type LineKind } from './line-parser.js';
export {
  readExposition,
  parseExposition,
  sniffFormat,
  type ExpositionBatch,
  type ExpositionSeries,
  type ReadOptions,
} from './reader.js';
