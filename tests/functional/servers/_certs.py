"""A throwaway CA, a server certificate for 127.0.0.1 and a client
certificate, generated with ``cryptography`` for TLS tests."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID


@dataclasses.dataclass
class TlsFiles:
    """Paths of the PEM files in one directory."""

    ca: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: str, data: bytes) -> str:
    with open(path, 'wb') as stream:
        stream.write(data)
    os.chmod(path, 0o600)
    return path


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_tls_files(directory: str, client_name: str = 'client') -> TlsFiles:
    """Write ca.pem, server.pem/-key.pem, client.pem/-key.pem."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(65537, 2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name('oslo-extras test CA'))
        .issuer_name(_name('oslo-extras test CA'))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(name: str, usages, san=None):
        key = rsa.generate_private_key(65537, 2048)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage(usages), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    ca_key.public_key()
                ),
                False,
            )
        )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(san), False
            )
        return builder.sign(ca_key, hashes.SHA256()), key

    server, server_key = leaf(
        '127.0.0.1',
        # etcd's gRPC gateway dials its own server with this certificate.
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        [
            x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
            x509.DNSName('localhost'),
        ],
    )
    client, client_key = leaf(client_name, [ExtendedKeyUsageOID.CLIENT_AUTH])
    pem = serialization.Encoding.PEM
    return TlsFiles(
        ca=_write(f'{directory}/ca.pem', ca.public_bytes(pem)),
        server_cert=_write(
            f'{directory}/server.pem', server.public_bytes(pem)
        ),
        server_key=_write(f'{directory}/server-key.pem', _key_pem(server_key)),
        client_cert=_write(
            f'{directory}/client.pem', client.public_bytes(pem)
        ),
        client_key=_write(f'{directory}/client-key.pem', _key_pem(client_key)),
    )
