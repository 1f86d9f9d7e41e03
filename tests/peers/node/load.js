'use strict';
// Loads the interop and probe protos shared with the .NET interop project.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const root = path.join(__dirname, '..', '..', 'NeuronGuard.Interop', 'protos');
const definition = protoLoader.loadSync(
  ['grpc/testing/test.proto', 'neuronguard/testing/probe.proto'],
  { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const pkg = grpc.loadPackageDefinition(definition);

function flags(argv) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)=?(.*)$/.exec(a);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

module.exports = { grpc, pkg, flags };
