// Shared by the three test tiers. Tests are transpiled by @swc/jest with the build's own options;
// type errors are caught by the separate `npm run typecheck` step.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');
const { swcOptions } = require('./swc.config.js');

const { paths, baseUrl, ...jsc } = swcOptions().jsc; // jest resolves aliases itself (moduleNameMapper)
void paths;
void baseUrl;

/** Packages published only as ES modules (jest runs CommonJS). */
const ESM_ONLY = ['jose', 'oidc-provider'];

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcOptions(), jsc, swcrc: false }] },
  // ESM-only packages are compiled to CommonJS like our own code; everything else in node_modules is left as it is.
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(__dirname, target)]),
  ),
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/tmp/'],
  setupFiles: ['reflect-metadata'],
};
