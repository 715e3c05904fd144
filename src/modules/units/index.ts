/**
 * What the units module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { howToLink } from './link-texts.js';
export { isRegisteredOwner } from './linking.js';
