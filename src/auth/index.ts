export { loadTokens, hashToken, createTokenVerifier, TokensConfigError, SCOPES } from './tokens.js';
export type { TokenVerifier, Scope, AuthResult } from './tokens.js';
