"""A gRPC server-reflection client on Debian's grpcio, as a tool such as grpcurl uses reflection.

Usage: reflection_client.py HOST:PORT [--expect-unimplemented]

Generates Python stubs at run time with python3-grpc-tools from a reflection proto written here (the subset of
grpc.reflection.v1alpha that the calls below use, with the public field numbers; no copy of grpc's file ships with
the packages), then over one ServerReflectionInfo stream: lists the services, fetches the file descriptors that
define neuronguard.v1.Control, builds message classes from those descriptors alone and makes one real
Control/GetPolicy call with them. Prints one JSON object; exits 1 on any mismatch.
"""
import json
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

REFLECTION_PROTO = """
syntax = "proto3";
package grpc.reflection.v1alpha;
service ServerReflection {
  rpc ServerReflectionInfo(stream ServerReflectionRequest) returns (stream ServerReflectionResponse);
}
message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    string list_services = 7;
  }
}
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ServiceResponse { string name = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
"""


def generate_stubs(work):
    with open(os.path.join(work, "reflection.proto"), "w") as f:
        f.write(REFLECTION_PROTO)
    rc = protoc.main(["protoc", "-I" + work, "--python_out=" + work, "--grpc_python_out=" + work,
                      os.path.join(work, "reflection.proto")])
    if rc != 0:
        raise SystemExit("grpc_tools.protoc failed with %d" % rc)
    sys.path.insert(0, work)
    import reflection_pb2, reflection_pb2_grpc  # noqa: E402 (generated above)
    return reflection_pb2, reflection_pb2_grpc


def message_class(pool, name):
    desc = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def main():
    target = sys.argv[1]
    expect_unimplemented = "--expect-unimplemented" in sys.argv
    pb2, pb2_grpc = generate_stubs(tempfile.mkdtemp(prefix="ng-reflection-"))
    with grpc.insecure_channel(target) as channel:
        stub = pb2_grpc.ServerReflectionStub(channel)
        requests = [pb2.ServerReflectionRequest(list_services=""),
                    pb2.ServerReflectionRequest(file_containing_symbol="neuronguard.v1.Control")]
        try:
            responses = list(stub.ServerReflectionInfo(iter(requests), timeout=30))
        except grpc.RpcError as e:
            print(json.dumps({"code": e.code().name, "details": e.details()}))
            return 0 if expect_unimplemented and e.code() == grpc.StatusCode.UNIMPLEMENTED else 1
        if expect_unimplemented:
            print(json.dumps({"error": "reflection answered although it is turned off"}))
            return 1
        services = sorted(s.name for s in responses[0].list_services_response.service)
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in responses[1].file_descriptor_response.file_descriptor_proto]
        # Dependencies can come after the file that needs them: add each file once its imports are in.
        pool, added = descriptor_pool.DescriptorPool(), set()
        while len(added) < len(files):
            ready = [f for f in files if f.name not in added and all(d in added for d in f.dependency)]
            if not ready:
                raise SystemExit("descriptor files with missing dependencies: %s" % [f.name for f in files])
            for f in ready:
                pool.Add(f)
                added.add(f.name)
        control = pool.FindServiceByName("neuronguard.v1.Control")
        get_policy = control.methods_by_name["GetPolicy"]
        request_cls = message_class(pool, get_policy.input_type.full_name)
        response_cls = message_class(pool, get_policy.output_type.full_name)
        call = channel.unary_unary("/neuronguard.v1.Control/GetPolicy",
                                   request_serializer=request_cls.SerializeToString,
                                   response_deserializer=response_cls.FromString)
        reply = call(request_cls(), timeout=30)
        print(json.dumps({
            "services": services,
            "files": sorted(f.name for f in files),
            "control_methods": sorted(m.name for m in control.methods),
            "get_policy_response": reply.DESCRIPTOR.full_name,
            "policy_version": reply.policy.version,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
