import { Foundation1732250000000 } from './1732250000000-foundation';

/** Every migration, oldest first. */
export const MIGRATIONS = [Foundation1732250000000];
