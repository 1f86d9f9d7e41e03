"""Channels and the generic grpcio calls the client makes (no generated service stubs are needed)."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence, Tuple

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


def _serialize(m: Any) -> bytes:
    return bytes(m.SerializeToString())


def _identity(b: bytes) -> bytes:
    return b


class Connection:
    """A channel to the daemon plus the bearer token every call carries.

    ``address`` is ``host:port`` (``http://`` / ``https://`` prefixes are accepted). TLS is used when any of
    ``root_certificates``, ``private_key``/``certificate_chain`` (client certificate) is given or the address is
    ``https://``; all are PEM bytes.
    """

    def __init__(self, address: str, token: Optional[str] = None, root_certificates: Optional[bytes] = None,
                 private_key: Optional[bytes] = None, certificate_chain: Optional[bytes] = None,
                 options: Sequence[Tuple[str, Any]] = ()) -> None:
        tls = address.startswith("https://") or root_certificates or private_key or certificate_chain
        self.address = address.split("://", 1)[-1]
        self.token = token
        opts = list(_CHANNEL_OPTIONS) + list(options)
        if tls:
            creds = grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
            self.channel = grpc.secure_channel(self.address, creds, options=opts)
        else:
            self.channel = grpc.insecure_channel(self.address, options=opts)
        self.metadata: Tuple[Tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()

    def unary(self, path: str, request: Any, response_type: Any, timeout: Optional[float] = 30.0) -> Any:
        call = self.channel.unary_unary(path, request_serializer=_serialize,
                                        response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata, timeout=timeout)

    def client_stream(self, path: str, requests: Any, response_type: Any, timeout: Optional[float] = None) -> Any:
        call = self.channel.stream_unary(path, request_serializer=_serialize,
                                         response_deserializer=response_type.FromString)
        return call(requests, metadata=self.metadata, timeout=timeout)

    def server_stream(self, path: str, request: Any, response_type: Any, timeout: Optional[float] = None) -> Any:
        call = self.channel.unary_stream(path, request_serializer=_serialize,
                                         response_deserializer=response_type.FromString)
        return call(request, metadata=self.metadata, timeout=timeout)

    def raw_bidi(self, path: str, requests: Iterator[bytes], response_deserializer: Callable[[bytes], Any]) -> Any:
        """A bidi call whose requests are already-serialized bytes (the Telemetry hot path encodes its own frames)."""
        call = self.channel.stream_stream(path, request_serializer=_identity, response_deserializer=response_deserializer)
        return call(requests, metadata=self.metadata)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def health_check(connection: Connection, service: str = "", timeout: float = 5.0) -> str:
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


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)
