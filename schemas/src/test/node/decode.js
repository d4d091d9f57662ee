// Decodes Confluent-wire-format records with @kafkajs/confluent-schema-registry, a reader that shares
// no code with ours: it fetches the writer schema by id from the registry's Confluent API.
// Usage: node decode.js REGISTRY_URL FILE...   (prints one JSON line per file)
const fs = require('fs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

async function main() {
  const [url, ...files] = process.argv.slice(2);
  const registry = new SchemaRegistry({ host: url });
  for (const file of files) {
    const value = await registry.decode(fs.readFileSync(file));
    // Longs and bytes are not JSON: print longs as numbers (ours fit in 2^53) and bytes as base64.
    console.log(JSON.stringify(value, (k, v) =>
      typeof v === 'bigint' ? Number(v)
        : (v && v.type === 'Buffer' && Array.isArray(v.data)) ? Buffer.from(v.data).toString('base64') : v));
  }
}

main().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
