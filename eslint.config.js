// Lint that catches bugs (STYLE 15) and enforces the module boundaries (STYLE 3).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const nx = require('@nx/eslint-plugin');

// What each kind of project may depend on. Domain cores import no framework at all.
const FRAMEWORKS = ['@nestjs/*', 'typeorm', 'kafkajs', 'minio', 'pg', '@electric-sql/*', 'fastify', '@opentelemetry/*'];
const constraints = (extraForTests) => [
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', ...extraForTests], bannedExternalImports: FRAMEWORKS },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', ...extraForTests], bannedExternalImports: ['@nestjs/*', 'fastify'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', ...extraForTests] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:platform', ...extraForTests] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:platform', 'type:service'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:testing'] },
];
const TESTS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.contract.ts', 'test/**/*.ts'];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'tmp/**', 'data/**', 'deploy/**', '**/*.generated.ts', 'coverage/**'] },
  { files: ['**/*.js'], ...js.configs.recommended, languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', Buffer: 'readonly' } } },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints: constraints([]) }],
    },
  },
  { files: TESTS, rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, depConstraints: constraints(['type:testing']) }] } },
);
