// Registers a schema file's text under a subject as a Node user would (library defaults) and prints the id.
// Usage: node register.js REGISTRY_URL SUBJECT FILE.avsc
const fs = require('fs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

async function main() {
  const [url, subject, file] = process.argv.slice(2);
  const registry = new SchemaRegistry({ host: url });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: fs.readFileSync(file, 'utf8') },
    { subject });
  console.log('id ' + id);
}

main().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
