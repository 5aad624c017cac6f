#!/usr/bin/env node
// Runs a TypeScript file (a tool, a benchmark) with the build's swc options and path aliases, without
// building first: node scripts/run-ts.js path/to/file.ts [args…]
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');
const { swcOptions } = require('../swc.config.js');
const { compilerOptions } = require('../tsconfig.base.json');

const root = path.resolve(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const target = compilerOptions.paths[request];
  return resolve.call(this, target ? path.join(root, target[0]) : request, ...rest);
};
const { jsc, ...options } = swcOptions();
const { paths, baseUrl, ...jscWithoutPaths } = jsc;
void paths;
void baseUrl;
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, jsc: jscWithoutPaths, filename, sourceMaps: 'inline', swcrc: false });
  module._compile(code, filename);
};
const [, , script, ...args] = process.argv;
if (!script) {
  process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args…]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(script), ...args];
require(path.resolve(script));
