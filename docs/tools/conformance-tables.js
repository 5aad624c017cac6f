// Regenerates the generated tables of docs/conformance.md from the code: the Storage SOP Classes of
// STORAGE_SOP_CLASS_REGISTRY (libs/dicom/src/dictionary/uids.generated.ts) and the transfer syntaxes
// that receivableTransferSyntaxes() (libs/dicom/src/transfer-syntax.ts) returns.
//
//   node scripts/run-ts.js docs/tools/conformance-tables.js            rewrites the tables in place
//   node scripts/run-ts.js docs/tools/conformance-tables.js --check    exits 1 when they are stale
//
// scripts/run-ts.js compiles the TypeScript sources this file requires and resolves @tessera/*.
const fs = require('node:fs');
const path = require('node:path');
const { STORAGE_SOP_CLASS_REGISTRY } = require('../../libs/dicom/src/dictionary/uids.generated.ts');
const { receivableTransferSyntaxes, isStorageSopClass, lookupTransferSyntax } = require('@tessera/dicom');

const DOC = path.join(__dirname, '..', 'conformance.md');

function storageTable() {
  const rows = STORAGE_SOP_CLASS_REGISTRY.map((c) => {
    if (!isStorageSopClass(c.uid)) throw new Error(`${c.uid} is in the registry but not accepted`);
    return `| ${c.name}${c.retired ? ' (retired)' : ''} | \`${c.uid}\` | SCP |`;
  });
  return ['| SOP Class Name | SOP Class UID | Role |', '|---|---|---|', ...rows].join('\n');
}

function transferSyntaxTable() {
  const rows = receivableTransferSyntaxes().map((t) => {
    if (lookupTransferSyntax(t.uid) === undefined) throw new Error(`${t.uid} is listed but cannot be looked up`);
    const kind = t.encapsulated ? 'encapsulated Pixel Data' : t.deflated ? 'not encapsulated; data set deflated' : 'not encapsulated';
    return `| ${t.name}${t.retired ? ' (retired)' : ''} | \`${t.uid}\` | ${kind} |`;
  });
  return ['| Transfer Syntax Name | Transfer Syntax UID | Encoding |', '|---|---|---|', ...rows].join('\n');
}

const TABLES = { 'storage-sop-classes': storageTable, 'transfer-syntaxes': transferSyntaxTable };

function render(text) {
  let out = text;
  for (const [name, table] of Object.entries(TABLES)) {
    const begin = `<!-- BEGIN GENERATED ${name} -->`;
    const end = `<!-- END GENERATED ${name} -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/conformance.md has no ${begin} ... ${end} block`);
    out = `${out.slice(0, from + begin.length)}\n${table()}\n${out.slice(to)}`;
  }
  return out;
}

const current = fs.readFileSync(DOC, 'utf8');
const next = render(current);
if (process.argv.includes('--check')) {
  if (current !== next) {
    process.stderr.write('docs/conformance.md tables are out of date; run: node scripts/run-ts.js docs/tools/conformance-tables.js\n');
    process.exit(1);
  }
  process.stdout.write('docs/conformance.md tables are up to date\n');
} else {
  fs.writeFileSync(DOC, next);
  process.stdout.write(`docs/conformance.md: ${STORAGE_SOP_CLASS_REGISTRY.length} storage SOP classes, ${receivableTransferSyntaxes().length} transfer syntaxes\n`);
}
