import * as fs from 'node:fs';
import * as path from 'node:path';

/** Connection details of the real components that scripts/infra/start.sh runs on loopback. */
export interface Infra {
  readonly databaseUrl: string;
  readonly kafkaBrokers: string;
  readonly s3Endpoint: string;
  readonly s3AccessKey: string;
  readonly s3SecretKey: string;
  readonly python: string;
  readonly binDir: string;
}

const REPO_ROOT = path.resolve(__dirname, '../../..');

/** The repository root (for scripts and fixtures). */
export function repoRoot(): string {
  return REPO_ROOT;
}

/** The variables of the env file written by scripts/infra/start.sh, overridden by the process environment. */
export function infraEnv(): Record<string, string> {
  const file = path.join(process.env.TESSERA_RUN_DIR ?? path.join(REPO_ROOT, 'tmp', 'infra'), 'env');
  const vars: Record<string, string> = {};
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) vars[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (k.startsWith('TEST_') || k === 'TESSERA_PYTHON')) vars[k] = v;
  return vars;
}

/**
 * The running infrastructure; throws with the command to run when it is not there. Integration tests
 * call this instead of silently skipping: a missing component is a failure, not a pass.
 */
export function requireInfra(): Infra {
  const env = infraEnv();
  const need = (key: string): string => {
    const v = env[key];
    if (!v) throw new Error(`${key} is not set: start the test infrastructure with scripts/infra/start.sh (it writes tmp/infra/env)`);
    return v;
  };
  return {
    databaseUrl: need('TEST_DATABASE_URL'),
    kafkaBrokers: need('TEST_KAFKA_BROKERS'),
    s3Endpoint: need('TEST_S3_ENDPOINT'),
    s3AccessKey: need('TEST_S3_ACCESS_KEY'),
    s3SecretKey: need('TEST_S3_SECRET_KEY'),
    python: need('TESSERA_PYTHON'),
    binDir: path.join(process.env.TESSERA_CACHE_DIR ?? path.join(process.env.HOME ?? '/root', '.cache', 'tessera'), 'bin'),
  };
}

/** Where pydicom (in the test venv of scripts/infra/install.sh) keeps its bundled test files, the corpus that no one here wrote. */
export function pydicomTestFiles(): string {
  const venv = path.dirname(path.dirname(requireInfraPython()));
  const lib = fs.readdirSync(path.join(venv, 'lib')).find((d) => d.startsWith('python'));
  if (!lib) throw new Error(`No python* directory in ${path.join(venv, 'lib')}: run scripts/infra/install.sh python`);
  return path.join(venv, 'lib', lib, 'site-packages', 'pydicom', 'data', 'test_files');
}

function requireInfraPython(): string {
  const python = infraEnv().TESSERA_PYTHON;
  if (!python) throw new Error('TESSERA_PYTHON is not set: run scripts/infra/install.sh python, then scripts/infra/start.sh (it writes tmp/infra/env)');
  return python;
}
