export { type ConnectionNumber, compileClauses, type EventPredicate } from './match';
export {
  type Clause,
  type FilterError,
  MAX_QUERY_LENGTH,
  type ParsedFilter,
  parseFilter,
  parseSize,
  tokenize,
} from './parse';
export { buildViewPredicate, type DirectionGroup, directionOf, type ViewFilter } from './view';
