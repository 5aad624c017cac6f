import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// End-to-end tests drive the built launcher, exactly as an operator runs it.
export default function globalSetup(): void {
  execFileSync(process.execPath, [path.join(__dirname, '../../../scripts/build.js')], { stdio: 'inherit' });
}
