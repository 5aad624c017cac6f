export * from './authentication-error';
export * from './claims';
export * from './dev-accounts';
export * from './embedded-issuer';
export * from './principal';
export * from './roles';
export * from './token-verifier';
export * from './verify-user-identity.use-case';
