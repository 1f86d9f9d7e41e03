"""Channels and the generic grpcio calls the client makes (no generated service stubs are needed)."""
import grpc

# grpcio's own reconnect backoff starts at 1 s and grows to 120 s; a sidecar on loopback restarts in seconds,
# so the channel is told to retry sooner. The stream's own backoff (Client) sits on top of this.
# Not grpc.min_reconnect_backoff_ms: grpc core also uses it as the connect timeout, and 200 ms is too short for a
# daemon that is still warming up (every attempt then fails "timed out before receiving SETTINGS frame").
_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 5000),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
)


def _identity(b):
    return b


class Connection:
    """A channel to the daemon plus the bearer token every call carries.

    ``address`` is ``host:port`` (``http://`` / ``https://`` prefixes are accepted). TLS is used when any of
    ``root_certificates``, ``private_key``/``certificate_chain`` (client certificate) is given or the address is
    ``https://``; all are PEM bytes.
    """

    def __init__(self, address, token=None, root_certificates=None, private_key=None, certificate_chain=None,
                 options=()):
        tls = address.startswith("https://") or root_certificates or private_key or certificate_chain
        self.address = address.split("://", 1)[-1]
        self.token = token
        opts = list(_CHANNEL_OPTIONS) + list(options)
        if tls:
            creds = grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
            self.channel = grpc.secure_channel(self.address, creds, options=opts)
        else:
            self.channel = grpc.insecure_channel(self.address, options=opts)
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()

    def unary(self, path, request, response_type, timeout=30.0):
        call = self.channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata, timeout=timeout)

    def client_stream(self, path, requests, response_type, timeout=None):
        call = self.channel.stream_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=response_type.FromString)
        return call(requests, metadata=self.metadata, timeout=timeout)

    def server_stream(self, path, request, response_type, timeout=None):
        call = self.channel.unary_stream(path, request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata, timeout=timeout)

    def raw_bidi(self, path, requests, response_deserializer):
        """A bidi call whose requests are already-serialized bytes (the Telemetry hot path encodes its own frames)."""
        call = self.channel.stream_stream(path, request_serializer=_identity, response_deserializer=response_deserializer)
        return call(requests, metadata=self.metadata)

    def close(self):
        self.channel.close()


def health_check(connection, service="", timeout=5.0):
    """grpc.health.v1.Health/Check without generated code: returns "SERVING", "NOT_SERVING", "UNKNOWN", ….

    The request is field 1 (string service); the response field 1 (enum status); encoded by hand so that no
    `grpc` package is generated from protos/grpc (it would shadow grpcio).
    """
    name = service.encode()
    request = (b"\x0a" + _varint(len(name)) + name) if name else b""
    call = connection.channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=_identity,
                                          response_deserializer=_identity)
    reply = call(request, metadata=connection.metadata, timeout=timeout)
    status = reply[1] if len(reply) >= 2 and reply[0] == 0x08 else 0
    return {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}.get(status, str(status))


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)
