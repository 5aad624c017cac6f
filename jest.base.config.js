// Shared by the three test tiers. Tests are transpiled by @swc/jest with the build's own options;
// type errors are caught by the separate `npm run typecheck` step.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');
const { swcOptions } = require('./swc.config.js');

const { paths, baseUrl, ...jsc } = swcOptions().jsc; // jest resolves aliases itself (moduleNameMapper)
void paths;
void baseUrl;

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcOptions(), jsc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(__dirname, target)]),
  ),
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/tmp/'],
  setupFiles: ['reflect-metadata'],
};
