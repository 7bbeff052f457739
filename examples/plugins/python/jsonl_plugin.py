#!/usr/bin/python3
"""A luasync plugin in Python: it appends every event to a file, one JSON
object a line, as the Go example (../go-jsonl) does, line for line.

It is an example of a plugin written without luasync's Go SDK: it speaks
go-plugin's handshake and the luasync.plugin.v1 gRPC protocol itself
(docs/plugins.md). Its config:

    file   the file to append to: an absolute path (required)
    fsync  flush each batch to disk before reporting it done (default true)

It needs Debian's python3-grpcio and python3-protobuf, and for mTLS
(the host's default) python3-cryptography; without that, attach it with
mtls = false. plugin_pb2*.py beside it are generated from
plugins/sdk/pluginv1/plugin.proto (`make proto`).
"""

import base64
import datetime
import json
import os
import signal
import sys
import threading
from concurrent import futures

# Generated modules are imported from this file's directory, which may be
# read-only or shared: leave no __pycache__ in it.
sys.dont_write_bytecode = True

COOKIE_KEY = "LUASYNC_PLUGIN"
COOKIE_VALUE = "a7e39d0c-luasync-plugin-v1"
CORE_PROTOCOL = 1  # go-plugin's own
APP_PROTOCOL = 1  # luasync.plugin.v1


def log(level, message, **fields):
    """Writes a log line on stderr in the form go-plugin parses (hclog's
    JSON), so that the host logs it at its level with its fields. The
    timestamp must have exactly six fractional digits, or go-plugin takes
    the line for plain text and logs it at debug level."""
    now = datetime.datetime.now(datetime.timezone.utc)
    line = {"@level": level, "@message": message,
            "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    line.update(fields)
    sys.stderr.write(json.dumps(line) + "\n")
    sys.stderr.flush()


try:
    import grpc
    from google.protobuf import json_format
    import plugin_pb2
    import plugin_pb2_grpc
except ImportError as e:
    log("error", "cannot load gRPC: apt-get install -y python3-grpcio python3-protobuf", error=str(e))
    sys.exit(1)


class Config:
    """The plugin's table from the Lua config, read with getters that
    record each mistake by key, as the Go SDK's sdk.Config does."""

    def __init__(self, struct):
        self.values = json_format.MessageToDict(struct)
        self.read = set()
        self.errors = []

    def error(self, key, message):
        self.errors.append(plugin_pb2.ConfigError(key=key, message=message))

    def _get(self, key, want, what, default):
        self.read.add(key)
        value = self.values.get(key)
        if value is None:
            return default
        if not isinstance(value, want):
            self.error(key, "want %s, got %s" % (what, type(value).__name__))
            return default
        return value

    def required_string(self, key):
        value = self._get(key, str, "a string", "")
        if value == "" and not any(e.key == key for e in self.errors):
            self.error(key, "required")
        return value

    def boolean(self, key, default):
        return self._get(key, bool, "true or false", default)

    def all_errors(self):
        """Every mistake, with each key no getter read as unknown."""
        unknown = [plugin_pb2.ConfigError(key=k, message="unknown key")
                   for k in sorted(set(self.values) - self.read)]
        return self.errors + unknown


def path_fields(name, raw):
    """A path is bytes. One that is not UTF-8 cannot be a JSON string
    without losing bytes, so it goes base64-encoded in NAME_b64, as in
    luasync's fail log."""
    try:
        return {name: raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {name + "_b64": base64.b64encode(raw).decode("ascii")}


def op_name(op):
    """create, modify, attrib, delete, move, full, as luasync spells them."""
    try:
        return plugin_pb2.Op.Name(op)[len("OP_"):].lower()
    except ValueError:  # an op newer than this plugin
        return "op(%d)" % op


class Appender(plugin_pb2_grpc.PluginServicer):
    """The luasync.plugin.v1.Plugin service. Info says one Handle call at a
    time; the lock makes that so whatever the host does."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sync = ""
        self.file = ""
        self.fsync = True

    def Info(self, request, context):
        return plugin_pb2.InfoResponse(name="jsonl-python", version="1.0.0")

    def Configure(self, request, context):
        cfg = Config(request.config)
        file = cfg.required_string("file")
        fsync = cfg.boolean("fsync", True)
        if file and not os.path.isabs(file):
            cfg.error("file", "%r is not an absolute path" % file)
        errors = cfg.all_errors()
        if not errors and not request.check:
            # Open once now, so that a bad path is a config mistake
            # before the sync starts, not a stream of retries. Under
            # `luasync check` (request.check) open nothing.
            try:
                os.close(os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            except OSError as e:
                errors.append(plugin_pb2.ConfigError(key="file", message=str(e)))
        if not errors:
            with self.lock:
                self.sync, self.file, self.fsync = request.sync, file, fsync
            if not request.check:
                log("info", "appending events", file=file, sync=request.sync)
        return plugin_pb2.ConfigureResponse(errors=errors)

    def Handle(self, request, context):
        with self.lock:
            lines = b"".join(self.line(ev) for ev in request.events)
            try:
                self.append(lines)
                outcome, reason = plugin_pb2.OUTCOME_OK, ""
            except OSError as e:
                log("warn", "cannot append events", file=self.file, error=str(e))
                outcome, reason = plugin_pb2.OUTCOME_RETRY, "append to %s: %s" % (self.file, e)
        return plugin_pb2.HandleResponse(results=[
            plugin_pb2.Result(id=ev.id, outcome=outcome, reason=reason) for ev in request.events])

    def line(self, ev):
        out = {}
        if ev.HasField("time"):
            out["time"] = ev.time.ToJsonString()
        out["sync"] = self.sync
        out["op"] = op_name(ev.op)
        out.update(path_fields("path", ev.path))
        if ev.op == plugin_pb2.OP_MOVE:
            out.update(path_fields("from", getattr(ev, "from")))  # "from" is a keyword
        out["is_dir"] = ev.is_dir
        out["size"] = ev.size
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"

    def append(self, data):
        """One write per batch, so that batches never interleave; the file
        is opened each time, so that logrotate may move it away."""
        fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)


def go_plugin_services(stopping):
    """The services go-plugin's host calls besides the plugin's own, as
    generic handlers on raw bytes (no generated code needed):

    grpc.health.v1.Health/Check: the host pings it; every answer is
        HealthCheckResponse{status: SERVING}, encoded by hand.
    plugin.GRPCController/Shutdown: the host's graceful stop (Empty in,
        Empty out); without it the host kills the plugin after 2 s.

    GRPCStdio and GRPCBroker are left out: the host tolerates their absence
    (stdout and stderr reach it as the process's own pipes), logging at
    debug level."""
    serving = b"\x08\x01"

    def check(request, context):
        return serving

    def shutdown(request, context):
        stopping.set()
        return b""

    return (
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
            "Check": grpc.unary_unary_rpc_method_handler(check)}),
        grpc.method_handlers_generic_handler("plugin.GRPCController", {
            "Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)}),
    )


def server_credentials(client_pem):
    """go-plugin's AutoMTLS: the host put its certificate in
    PLUGIN_CLIENT_CERT; answer with a fresh self-signed one, accept only
    the host's, and return ours base64-encoded (DER, no padding) for the
    handshake line."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, key_agreement=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], root_certificates=client_pem.encode(),
                                        require_client_auth=True)
    der = cert.public_bytes(serialization.Encoding.DER)
    return creds, base64.b64encode(der).decode("ascii").rstrip("=")


def main():
    if os.environ.get(COOKIE_KEY) != COOKIE_VALUE:
        sys.stderr.write("This is a luasync plugin: luasync starts it for a sync{} that lists it in\n"
                         "plugins = { plugin{ path = \"%s\", config = { file = \"...\" } } }.\n"
                         "It is not meant to be run by hand.\n" % os.path.abspath(sys.argv[0]))
        return 1
    versions = os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(APP_PROTOCOL)).split(",")
    if str(APP_PROTOCOL) not in versions:
        log("error", "the host speaks another protocol version", host=versions, plugin=APP_PROTOCOL)
        return 1

    # SIGINT goes to the host's whole process group (a Ctrl-C in its
    # terminal): the host decides when to stop its plugins, so ignore it.
    # SIGTERM, the Shutdown call, or the host's death end the plugin.
    stopping = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    plugin_pb2_grpc.add_PluginServicer_to_server(Appender(), server)
    server.add_generic_rpc_handlers(go_plugin_services(stopping))

    handshake = [str(CORE_PROTOCOL), str(APP_PROTOCOL), "tcp", "", "grpc"]
    client_pem = os.environ.get("PLUGIN_CLIENT_CERT")
    if client_pem:
        try:
            creds, cert = server_credentials(client_pem)
        except ImportError:
            log("error", "mTLS needs python3-cryptography (apt-get install -y python3-cryptography),"
                " or attach the plugin with mtls = false")
            return 1
        port = server.add_secure_port("127.0.0.1:0", creds)
        handshake.append(cert)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    handshake[3] = "127.0.0.1:%d" % port
    server.start()

    # stdout carries this one line and nothing else: it tells the host
    # where to connect, so it comes only once the server is serving.
    sys.stdout.write("|".join(handshake) + "\n")
    sys.stdout.flush()

    # Not stdin: go-plugin hands the plugin the host's own stdin, which
    # under a service manager is /dev/null, closed from the start. A
    # changed parent means the host died without stopping us.
    parent = os.getppid()
    while not stopping.wait(1):
        if os.getppid() != parent:
            log("warn", "the host is gone; stopping")
            break
    server.stop(grace=5).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
