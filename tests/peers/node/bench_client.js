'use strict';
// Load generator with @grpc/grpc-js for the transport benchmark (bench/NeuronGuard.Bench/Transport).
// usage: node bench_client.js --port=N --mode=stream|unary [--messages=N] [--size=16384] [--concurrency=C] [--seconds=S]
// prints one JSON line: {"mode", "messages", "seconds", "rate"}
const { grpc, pkg, flags } = require('./load');

const args = flags(process.argv.slice(2));
const client = new pkg.neuronguard.testing.Probe(`127.0.0.1:${args.port}`, grpc.credentials.createInsecure());
const size = Number(args.size || 16384);
const payload = Buffer.alloc(size, 7);

async function stream() {
  const total = Number(args.messages || 50000);
  const start = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    const call = client.Sink((err, res) => {
      if (err) return reject(err);
      if (Number(res.outcome) !== total) return reject(new Error(`server counted ${res.outcome}`));
      resolve();
    });
    let i = 0;
    const pump = () => {
      while (i < total) {
        i++;
        if (!call.write({ payload })) { call.once('drain', pump); return; }
      }
      call.end();
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { mode: 'stream', messages: total, seconds, rate: total / seconds };
}

async function unary() {
  const seconds = Number(args.seconds || 3);
  const concurrency = Number(args.concurrency || 16);
  const small = { payload: Buffer.alloc(32) };
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  const worker = () => new Promise((resolve, reject) => {
    const once = () => {
      if (Date.now() >= end) return resolve();
      client.Echo(small, (err) => { if (err) return reject(err); done++; once(); });
    };
    once();
  });
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { mode: 'unary', messages: done, seconds: elapsed, rate: done / elapsed };
}

(args.mode === 'unary' ? unary() : stream())
  .then((r) => { console.log(JSON.stringify(r)); process.exit(0); })
  .catch((e) => { console.error(e.message); process.exit(1); });
