/**
 * Writes docs/fhir-capability-statement.json, the CapabilityStatement that GET /fhir/metadata
 * serves, from libs/fhir/src/capability-statement.ts:
 *
 *   node scripts/run-ts.js libs/fhir/tools/write-capability-statement.ts
 *
 * services/index/src/fhir/fhir-reads.controller.spec.ts fails when the served one and the file differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { capabilityStatement } from '../src/capability-statement';

const target = path.resolve(__dirname, '..', '..', '..', 'docs', 'fhir-capability-statement.json');
fs.writeFileSync(target, `${JSON.stringify(capabilityStatement(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
