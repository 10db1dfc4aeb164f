// Folded into rest.ts: import rangeHeader from there. Kept until the connectors that import it here move.
export { rangeHeader } from './rest.ts';
