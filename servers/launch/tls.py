"""A self-signed certificate made per run, for the servers that speak TLS (Hypercorn, HTTP/2).

The certificate names ``localhost`` and ``127.0.0.1`` and lives one day; its key never leaves
the run's temporary directory. The load generator does not verify it (loopback benchmark, no
third party to authenticate); :func:`client_context` is that client side.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"
ALPN = ("h2", "http/1.1")  # HTTP/2 first, as a browser offers it


def make_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """Write a fresh self-signed certificate and its key into ``directory``: (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for address in {"127.0.0.1", host}:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            names.append(x509.DNSName(address))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def client_context(
    cafile: str | Path | None = None, alpn: tuple[str, ...] = ALPN
) -> ssl.SSLContext:
    """A client context offering ``alpn`` (h2, then http/1.1); verifies against ``cafile`` when
    given, else not at all (the per-run self-signed certificate).

    A WebSocket client offers ``("http/1.1",)`` only: it upgrades an HTTP/1.1 connection.
    """
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    if cafile is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(list(alpn))
    return context
