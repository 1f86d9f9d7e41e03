'use strict';
// grpc.testing.TestService and neuronguard.testing.Probe served by @grpc/grpc-js, for the project's client.
// usage: node interop_server.js --port=N   (prints "listening on PORT" when ready)
const { grpc, pkg, flags } = require('./load');

const args = flags(process.argv.slice(2));
const outcomes = new Map();
const payload = (n) => ({ type: 'COMPRESSABLE', body: Buffer.alloc(n) });

function echoMetadata(call) {
  const initial = call.metadata.get('x-grpc-test-echo-initial');
  if (initial.length) {
    const md = new grpc.Metadata();
    md.set('x-grpc-test-echo-initial', initial[0]);
    call.sendMetadata(md);
  }
  const trailing = call.metadata.get('x-grpc-test-echo-trailing-bin');
  const trailers = new grpc.Metadata();
  if (trailing.length) trailers.set('x-grpc-test-echo-trailing-bin', trailing[0]);
  return trailers;
}

const testService = {
  EmptyCall: (call, cb) => cb(null, {}),
  UnaryCall(call, cb) {
    const trailers = echoMetadata(call);
    const st = call.request.response_status;
    if (st && st.code) return cb({ code: st.code, details: st.message, metadata: trailers });
    cb(null, { payload: payload(call.request.response_size) }, trailers);
  },
  CacheableUnaryCall(call, cb) { testService.UnaryCall(call, cb); },
  async StreamingOutputCall(call) {
    const trailers = echoMetadata(call);
    for (const p of call.request.response_parameters) {
      if (p.interval_us) await new Promise((r) => setTimeout(r, p.interval_us / 1000));
      call.write({ payload: payload(p.size) });
    }
    call.end(trailers);
  },
  StreamingInputCall(call, cb) {
    let total = 0;
    call.on('data', (r) => { total += r.payload ? r.payload.body.length : 0; });
    call.on('end', () => cb(null, { aggregated_payload_size: total }));
  },
  FullDuplexCall(call) {
    const trailers = echoMetadata(call);
    let failed = false;
    call.on('data', (r) => {
      if (failed) return;
      const st = r.response_status;
      if (st && st.code) { failed = true; call.emit('error', { code: st.code, details: st.message }); return; }
      for (const p of r.response_parameters) call.write({ payload: payload(p.size) });
    });
    call.on('end', () => { if (!failed) call.end(trailers); });
  },
  HalfDuplexCall(call) {
    const all = [];
    call.on('data', (r) => all.push(r));
    call.on('end', () => {
      for (const r of all) for (const p of r.response_parameters) call.write({ payload: payload(p.size) });
      call.end();
    });
  },
};

const probeService = {
  // As grpc-dotnet answers a handler's exception (UNKNOWN, generic message).
  Throw: (call, cb) => cb({ code: grpc.status.UNKNOWN, details: 'Exception was thrown by handler.' }),
  WaitForCancel(call, cb) {
    const key = call.request.key;
    outcomes.set(key, { outcome: 'pending', deadline_passed: false });
    const deadline = call.getDeadline();
    call.on('cancelled', () => {
      const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      const passed = Number.isFinite(ms) && Date.now() >= ms - 50;
      outcomes.set(key, { outcome: 'cancelled', deadline_passed: passed });
    });
  },
  GetOutcome: (call, cb) => cb(null, outcomes.get(call.request.key) || { outcome: '' }),
  Echo(call, cb) {
    const headers = new grpc.Metadata();
    const trailers = new grpc.Metadata();
    for (const [k, v] of Object.entries(call.metadata.getMap())) {
      if (k.endsWith('-echo-bin')) trailers.set(k, v);
      else if (k.endsWith('-echo')) headers.set(k, v);
    }
    call.sendMetadata(headers);
    const size = call.request.key.startsWith('size:') ? Number(call.request.key.slice(5)) : -1;
    cb(null, { payload: size >= 0 ? Buffer.alloc(size) : call.request.payload }, trailers);
  },
  EchoStream(call) {
    call.on('data', (r) => call.write({ payload: r.payload }));
    call.on('end', () => call.end());
  },
  Sink(call, cb) {
    let n = 0;
    call.on('data', () => { n++; });
    call.on('end', () => cb(null, { outcome: String(n) }));
  },
};

const server = new grpc.Server({
  'grpc.default_compression_algorithm': args.compress === 'gzip' ? 2 : 0,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
});
server.addService(pkg.grpc.testing.TestService.service, testService);
server.addService(pkg.neuronguard.testing.Probe.service, probeService);
server.bindAsync(`127.0.0.1:${args.port || 0}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { console.error(err.message); process.exit(1); }
  console.log(`listening on ${port}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
