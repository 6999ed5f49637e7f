// The Node side of harness/clients: one long-lived process per run, speaking JSON lines.
//
// stdin:  {"id": 1, "driver": "openai-node", "answer": {...}, "request": {...}, "url": ..., "stream": true}
// stdout: {"id": 1, "ok": true, "result": {"paths": [...]}}   or   {"id": 1, "ok": false, "error": "..."}
//
// Requests are handled one at a time, in order. stdout carries nothing but protocol lines:
// whatever a library logs goes to stderr (the harness keeps the tail for its error messages).
import { createInterface } from 'node:readline';

const protocolOut = process.stdout.write.bind(process.stdout);
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = console.info = console.debug = console.warn = console.error = toStderr;
// The AI SDK prints its warnings (an unsupported setting, say) to the console unless told not to.
globalThis.AI_SDK_LOG_WARNINGS = false;

// A rejection nobody awaited must not end the process (Node's default): the driver that caused
// it has already reported what its own awaits saw.
process.on('unhandledRejection', (reason) => toStderr('unhandled rejection:', reason?.stack ?? reason));

const drivers = new Map();
async function driver(name) {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad driver name ${JSON.stringify(name)}`);
  if (!drivers.has(name)) drivers.set(name, await import(new URL(`./drivers/${name}.mjs`, import.meta.url)));
  return drivers.get(name);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let message;
  try {
    message = JSON.parse(line);
  } catch (error) {
    protocolOut(JSON.stringify({ id: null, ok: false, error: `not JSON: ${error.message}` }) + '\n');
    continue;
  }
  let reply;
  try {
    const result = await (await driver(message.driver)).run(message);
    reply = { id: message.id, ok: true, result };
  } catch (error) {
    reply = { id: message.id, ok: false, error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` };
  }
  protocolOut(JSON.stringify(reply) + '\n');
}
