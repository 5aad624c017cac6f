// One swc configuration for the build (scripts/build.js) and for jest (@swc/jest), so that what the
// tests run is compiled exactly like what ships. Path aliases come from tsconfig.base.json.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const root = __dirname;

/** @returns {import('@swc/core').Options} */
function swcOptions() {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths: Object.fromEntries(
        Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, [path.join(root, target)]]),
      ),
    },
    module: { type: 'commonjs', strictMode: true },
    sourceMaps: true,
  };
}

module.exports = { swcOptions };
