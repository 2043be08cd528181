#!/usr/bin/env node
// Writes the UI's API types from the OpenAPI document `stockroom openapi` prints.
//   node generate.mjs <openapi.json> <schema.d.ts>          write the file
//   node generate.mjs <openapi.json> <schema.d.ts> --check  fail when it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const [input, output, flag] = process.argv.slice(2);
if (!input || !output || (flag && flag !== '--check')) {
  console.error('usage: node generate.mjs <openapi.json> <schema.d.ts> [--check]');
  process.exit(2);
}

const HEADER = `// Generated from \`stockroom openapi\` by openapi-typescript: do not edit.
// Regenerate with \`make web-types\`; friendly names are in ./types.ts.

`;

const document = JSON.parse(readFileSync(input, 'utf8'));
const ast = await openapiTS(document);
const generated = HEADER + astToString(ast);

if (flag === '--check') {
  let current = '';
  try {
    current = readFileSync(output, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== generated) {
    console.error(
      `${output} is stale: it does not match \`stockroom openapi\`. Run \`make web-types\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log(`${output} matches the OpenAPI document`);
} else {
  writeFileSync(output, generated);
  console.log(`wrote ${output}`);
}
