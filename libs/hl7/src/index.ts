export * from './acknowledgement';
export * from './character-set';
export * from './encoding-characters';
export * from './escape';
export * from './hl7-error';
export * from './hl7-message';
export * from './mllp-codec';
export * from './parse-message';
