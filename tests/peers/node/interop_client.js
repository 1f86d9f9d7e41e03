'use strict';
// The interop client cases (grpc doc/interop-test-descriptions.md) plus transport probes, with @grpc/grpc-js.
// usage: node interop_client.js --server_port=N [--test_case=CASE|all]
const { grpc, pkg, flags } = require('./load');
const assert = require('assert');

const args = flags(process.argv.slice(2));
const address = `${args.server_host || '127.0.0.1'}:${args.server_port || 10000}`;
const creds = grpc.credentials.createInsecure();
const test = new pkg.grpc.testing.TestService(address, creds);
const gzipTest = new pkg.grpc.testing.TestService(address, creds, { 'grpc.default_compression_algorithm': 2 });
const unimplemented = new pkg.grpc.testing.UnimplementedService(address, creds);
const probe = new pkg.neuronguard.testing.Probe(address, creds, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });

const payload = (n) => ({ body: Buffer.alloc(n) });
const unary = (client, method, req, options = {}, metadata = new grpc.Metadata()) => new Promise((resolve, reject) => {
  const call = client[method](req, metadata, options, (err, res) => (err ? reject(err) : resolve({ res, call })));
  call.on('metadata', (md) => { call.headers = md; });
  call.on('status', (st) => { call.finalStatus = st; });
});
async function expectCode(promise, code) {
  try { await promise; } catch (err) { assert.strictEqual(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`); return err; }
  throw new Error(`expected code ${code}, call succeeded`);
}
const readAll = (call) => new Promise((resolve, reject) => {
  const got = [];
  call.on('data', (d) => got.push(d));
  call.on('error', reject);
  call.on('end', () => resolve(got));
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cases = {
  async empty_unary() { const { res } = await unary(test, 'EmptyCall', {}); assert.deepStrictEqual(res, {}); },
  async large_unary() {
    const { res } = await unary(test, 'UnaryCall', { response_size: 314159, payload: payload(271828) });
    assert.strictEqual(res.payload.body.length, 314159);
  },
  async client_streaming() {
    await new Promise((resolve, reject) => {
      const call = test.StreamingInputCall((err, res) => {
        if (err) return reject(err);
        try { assert.strictEqual(res.aggregated_payload_size, 74922); resolve(); } catch (e) { reject(e); }
      });
      for (const n of [27182, 8, 1828, 45904]) call.write({ payload: payload(n) });
      call.end();
    });
  },
  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const got = await readAll(test.StreamingOutputCall({ response_parameters: sizes.map((size) => ({ size })) }));
    assert.deepStrictEqual(got.map((r) => r.payload.body.length), sizes);
  },
  async ping_pong() {
    const req = [27182, 8, 1828, 45904], resp = [31415, 9, 2653, 58979];
    const call = test.FullDuplexCall();
    const queue = [];
    let wake;
    call.on('data', (d) => { queue.push(d); if (wake) wake(); });
    const next = () => new Promise((r) => { if (queue.length) r(queue.shift()); else wake = () => { wake = null; r(queue.shift()); }; });
    const ended = new Promise((resolve, reject) => { call.on('end', resolve); call.on('error', reject); });
    for (let i = 0; i < req.length; i++) {
      call.write({ payload: payload(req[i]), response_parameters: [{ size: resp[i] }] });
      const d = await next();
      assert.strictEqual(d.payload.body.length, resp[i]);
    }
    call.end();
    await ended;
  },
  async empty_stream() {
    const call = test.FullDuplexCall();
    call.end();
    assert.strictEqual((await readAll(call)).length, 0);
  },
  async timeout_on_sleeping_server() {
    const call = test.FullDuplexCall({ deadline: Date.now() + 1 });
    call.write({ payload: payload(27182) });
    await expectCode(readAll(call), grpc.status.DEADLINE_EXCEEDED);
  },
  async cancel_after_begin() {
    const p = new Promise((resolve, reject) => { const c = test.StreamingInputCall((e, r) => (e ? reject(e) : resolve(r))); c.cancel(); });
    await expectCode(p, grpc.status.CANCELLED);
  },
  async cancel_after_first_response() {
    const call = test.FullDuplexCall();
    const p = new Promise((resolve, reject) => {
      call.on('data', () => call.cancel());
      call.on('error', reject);
      call.on('end', resolve);
    });
    call.write({ payload: payload(27182), response_parameters: [{ size: 31415 }] });
    await expectCode(p, grpc.status.CANCELLED);
  },
  async custom_metadata() {
    const md = new grpc.Metadata();
    md.set('x-grpc-test-echo-initial', 'test_initial_metadata_value');
    md.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
    const { call } = await unary(test, 'UnaryCall', { response_size: 314159, payload: payload(271828) }, {}, md);
    await sleep(10);
    assert.strictEqual(call.headers.get('x-grpc-test-echo-initial')[0], 'test_initial_metadata_value');
    assert.deepStrictEqual(call.finalStatus.metadata.get('x-grpc-test-echo-trailing-bin')[0], Buffer.from([0xab, 0xab, 0xab]));
    const duplex = test.FullDuplexCall(md);
    let headers;
    duplex.on('metadata', (m) => { headers = m; });
    const status = new Promise((r) => duplex.on('status', r));
    duplex.write({ payload: payload(271828), response_parameters: [{ size: 314159 }] });
    duplex.end();
    await readAll(duplex);
    const st = await status;
    assert.strictEqual(headers.get('x-grpc-test-echo-initial')[0], 'test_initial_metadata_value');
    assert.deepStrictEqual(st.metadata.get('x-grpc-test-echo-trailing-bin')[0], Buffer.from([0xab, 0xab, 0xab]));
  },
  async status_code_and_message() {
    const msg = 'test status message';
    const err = await expectCode(unary(test, 'UnaryCall', { response_status: { code: 2, message: msg } }), 2);
    assert.strictEqual(err.details, msg);
    const call = test.FullDuplexCall();
    call.write({ response_status: { code: 2, message: msg } });
    call.end();
    const err2 = await expectCode(readAll(call), 2);
    assert.strictEqual(err2.details, msg);
  },
  async special_status_message() {
    const msg = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
    const err = await expectCode(unary(test, 'UnaryCall', { response_status: { code: 2, message: msg } }), 2);
    assert.strictEqual(err.details, msg);
  },
  async unimplemented_method() { await expectCode(unary(test, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED); },
  async unimplemented_service() { await expectCode(unary(unimplemented, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED); },
  async client_compressed_unary() {
    await expectCode(unary(test, 'UnaryCall', { expect_compressed: { value: true }, response_size: 314159, payload: payload(271828) }), grpc.status.INVALID_ARGUMENT);
    const { res } = await unary(gzipTest, 'UnaryCall', { expect_compressed: { value: true }, response_size: 314159, payload: payload(271828) });
    assert.strictEqual(res.payload.body.length, 314159);
    const { res: plain } = await unary(test, 'UnaryCall', { expect_compressed: { value: false }, response_size: 314159, payload: payload(271828) });
    assert.strictEqual(plain.payload.body.length, 314159);
  },
  async client_compressed_streaming() {
    // grpc-js compresses every message of a compressed call, so both messages expect compression.
    await new Promise((resolve, reject) => {
      const call = gzipTest.StreamingInputCall((err, res) => {
        if (err) return reject(err);
        try { assert.strictEqual(res.aggregated_payload_size, 73086); resolve(); } catch (e) { reject(e); }
      });
      call.write({ expect_compressed: { value: true }, payload: payload(27182) });
      call.write({ expect_compressed: { value: true }, payload: payload(45904) });
      call.end();
    });
  },
  async server_compressed_unary() {
    for (const value of [true, false]) {
      const { res } = await unary(test, 'UnaryCall', { response_compressed: { value }, response_size: 314159, payload: payload(271828) });
      assert.strictEqual(res.payload.body.length, 314159);
    }
  },
  async server_compressed_streaming() {
    const got = await readAll(test.StreamingOutputCall({ response_parameters: [{ compressed: { value: true }, size: 31415 }, { compressed: { value: false }, size: 92653 }] }));
    assert.deepStrictEqual(got.map((r) => r.payload.body.length), [31415, 92653]);
  },
  // --- transport probes beyond the interop cases ---
  async probe_deadline_cancels_handler() {
    const key = `node-deadline-${process.pid}`;
    await expectCode(unary(probe, 'WaitForCancel', { key }, { deadline: Date.now() + 300 }), grpc.status.DEADLINE_EXCEEDED);
    await sleep(200);
    const { res } = await unary(probe, 'GetOutcome', { key });
    assert.strictEqual(res.outcome, 'cancelled');
    assert.strictEqual(res.deadline_passed, true);
  },
  async probe_cancel_reaches_handler() {
    const key = `node-cancel-${process.pid}`;
    const p = new Promise((resolve, reject) => {
      const call = probe.WaitForCancel({ key }, (e, r) => (e ? reject(e) : resolve(r)));
      setTimeout(() => call.cancel(), 300);
    });
    await expectCode(p, grpc.status.CANCELLED);
    await sleep(200);
    const { res } = await unary(probe, 'GetOutcome', { key });
    assert.strictEqual(res.outcome, 'cancelled');
    assert.strictEqual(res.deadline_passed, false);
  },
  async probe_internal_hides_exception() {
    // grpc-dotnet answers a handler's exception with UNKNOWN and a generic message.
    const err = await expectCode(unary(probe, 'Throw', {}), grpc.status.UNKNOWN);
    assert.ok(!/secret/.test(err.details), `leaked: ${err.details}`);
  },
  async probe_oversized_message() {
    const err = await expectCode(unary(probe, 'Echo', { payload: Buffer.alloc(5 * 1024 * 1024) }), grpc.status.RESOURCE_EXHAUSTED);
    assert.ok(/exceeds the maximum/.test(err.details), err.details);
    const { res } = await unary(probe, 'Echo', { payload: Buffer.from('still works') });
    assert.strictEqual(res.payload.toString(), 'still works');
  },
  async probe_metadata_echo() {
    const md = new grpc.Metadata();
    md.set('x-note-echo', 'ascii value');
    md.set('x-blob-echo-bin', Buffer.from([0, 1, 2, 255]));
    const { call } = await unary(probe, 'Echo', { payload: Buffer.from('x') }, {}, md);
    await sleep(10);
    assert.strictEqual(call.headers.get('x-note-echo')[0], 'ascii value');
    assert.deepStrictEqual(call.finalStatus.metadata.get('x-blob-echo-bin')[0], Buffer.from([0, 1, 2, 255]));
  },
};

(async () => {
  const wanted = !args.test_case || args.test_case === 'all' ? Object.keys(cases) : args.test_case.split(',');
  let failed = 0;
  for (const name of wanted) {
    try {
      if (!cases[name]) throw new Error(`unknown case ${name}`);
      await cases[name]();
      console.log(`PASS ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
