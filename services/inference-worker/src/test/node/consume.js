// Reads our topics as a Node user would: kafkajs and @kafkajs/confluent-schema-registry with library defaults
// (avsc underneath, which refuses longs a double cannot hold exactly). Decodes every record whose key starts with
// PREFIX until each topic has its expected count, then prints one JSON line per record: {topic, key, value}.
// Usage: node consume.js BROKERS REGISTRY_URL TOPIC=PREFIX:COUNT...
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');

async function main() {
  const [brokers, registryUrl, ...wanted] = process.argv.slice(2);
  const expected = {};
  const prefixes = {};
  for (const w of wanted) {
    const [t, spec] = w.split('=');
    const [p, n] = spec.split(':');
    expected[t] = Number(n);
    prefixes[t] = p;
  }
  const registry = new SchemaRegistry({ host: registryUrl });
  const kafka = new Kafka({ clientId: 'invariant-node-test', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: 'node-test-' + process.pid + '-' + Date.now() });
  const seen = Object.fromEntries(Object.keys(expected).map(t => [t, 0]));
  const lines = [];
  let finish;
  const done = new Promise(resolve => { finish = resolve; });
  const timer = setTimeout(() => finish('timeout'), 90_000);
  await consumer.connect();
  await consumer.subscribe({ topics: Object.keys(expected), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const key = message.key ? message.key.toString('utf8') : '';
      if (!key.startsWith(prefixes[topic])) return;
      let value;
      try {
        value = await registry.decode(message.value);
      } catch (e) {
        // The finding this script exists for: say which record, and stop at once.
        console.error(`cannot decode ${topic} record ${key}: ${e && e.stack || e}`);
        process.exit(1);
      }
      lines.push(JSON.stringify({ topic, key, value }, (k, v) =>
        (v && v.type === 'Buffer' && Array.isArray(v.data)) ? Buffer.from(v.data).toString('base64') : v));
      seen[topic]++;
      if (Object.keys(expected).every(t => seen[t] >= expected[t])) finish('complete');
    },
  });
  const how = await done;
  clearTimeout(timer);
  await consumer.disconnect();
  for (const l of lines) console.log(l);
  if (how !== 'complete') {
    console.error('timed out; seen ' + JSON.stringify(seen) + ', expected ' + JSON.stringify(expected));
    process.exit(2);
  }
}

main().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
