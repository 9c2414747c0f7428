export {
  type ConnectionNumber,
  compileClauses,
  type DecodedLookup,
  dependsOnLaterEvents,
  type EventPredicate,
} from './match';
export {
  type Clause,
  type FilterError,
  MAX_QUERY_LENGTH,
  type ParsedFilter,
  parseDuration,
  parseFilter,
  parseSize,
  tokenize,
} from './parse';
export { buildViewPredicate, type DirectionGroup, directionOf, type ViewFilter } from './view';
