#!/usr/bin/env node
// Compiles every TypeScript source (not tests) of apps/, libs/ and services/ into dist/ with swc.
// Type checking is a separate step (`npm run typecheck`); this only transpiles, so it takes ~1 s.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const { swcOptions } = require('../swc.config.js');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist');
const isTest = (f) => /\.(spec|int-spec|e2e-spec|contract)\.ts$/.test(f) || f.includes(`${path.sep}test${path.sep}`);

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(full)) yield full;
  }
}

async function main() {
  const options = swcOptions();
  const files = ['apps', 'libs', 'services'].flatMap((d) => [...sources(path.join(root, d))]);
  await Promise.all(
    files.map(async (file) => {
      const target = path.join(out, path.relative(root, file)).replace(/\.ts$/, '.js');
      const { code, map } = await swc.transformFile(file, { ...options, filename: file, sourceFileName: path.relative(path.dirname(target), file) });
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (map) await fs.promises.writeFile(`${target}.map`, map);
    }),
  );
  // Non-TypeScript assets that the runtime reads (none yet besides package.json for the version).
  process.stdout.write(`built ${files.length} files into dist/\n`);
}

main().catch((err) => {
  process.stderr.write(`build failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
