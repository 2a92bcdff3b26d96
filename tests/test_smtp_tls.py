"""SMTP with credentials only over TLS: smtps:// and STARTTLS against a local TLS server
(aiosmtpd) with a throwaway certificate made here (cryptography), and a plain URL refused."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from builders import NOW
from cinema_cli.adapters.delivery import parse_smtp_url
from cinema_cli.domain.errors import InvalidInput
from cinema_cli.storage.json import JsonStorage
from test_smtp_delivery import Inbox, buy, free_port, run
from ticket_support import stock


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _TlsController(Controller):
    """aiosmtpd with TLS from the first byte (smtps); the client check talks TLS too."""

    def __init__(self, *args: Any, client_context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client_context = client_context

    def _trigger_server(self) -> None:
        # The stock trigger connects in plain text; on a TLS port it must speak TLS.
        import socket

        with (
            socket.create_connection((self.hostname, self.port), timeout=5) as raw,
            self._client_context.wrap_socket(raw, server_hostname=self.hostname) as tls,
        ):
            tls.recv(1024)


@pytest.fixture
def tls_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cert, key = _certificate(tmp_path)
    # The client trusts exactly this certificate (OpenSSL reads SSL_CERT_FILE on each context).
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    stock(JsonStorage(folder))
    monkeypatch.setenv("CINEMA_DATA_DIR", str(folder))
    monkeypatch.setenv("CINEMA_NOW", NOW.isoformat())
    return folder


def _authenticator(logins: list[bytes]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        logins.append(auth.password)
        return AuthResult(success=auth.password == b"s3cret")

    return check


@pytest.fixture
def smtps(tls_files: tuple[Path, Path]) -> Iterator[tuple[Inbox, int, list[bytes]]]:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    inbox, logins, port = Inbox(), list[bytes](), free_port()
    controller = _TlsController(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=server_context,
        client_context=client_context,
        authenticator=_authenticator(logins),
        # The socket speaks TLS only (aiosmtpd does not count that as TLS for AUTH).
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port, logins
    finally:
        controller.stop()


@pytest.fixture
def starttls(tls_files: tuple[Path, Path]) -> Iterator[tuple[Inbox, int, list[bytes]]]:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox, logins, port = Inbox(), list[bytes](), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=_authenticator(logins),
    )
    controller.start()
    try:
        yield inbox, port, logins
    finally:
        controller.stop()


def test_smtps_logs_in_over_tls_and_delivers(
    data: Path, smtps: tuple[Inbox, int, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port, logins = smtps
    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtps://box:s3cret@127.0.0.1:{port}")
    booking = buy()
    assert logins == [b"s3cret"]
    [(_, recipients, _)] = inbox.messages
    assert recipients == ["ada@example.org"]
    listed = json.loads(run("outbox", "list", "--json").stdout)["messages"]
    assert [m["status"] for m in listed] == ["sent"]
    assert Path(listed[0]["file"]) == Path(booking["confirmation_eml"])


def test_starttls_upgrades_before_logging_in_and_delivers(
    data: Path, starttls: tuple[Inbox, int, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port, logins = starttls
    monkeypatch.setenv("CINEMA_SMTP_URL", f"smtp://box:s3cret@127.0.0.1:{port}?starttls=1")
    buy()
    assert logins == [b"s3cret"]
    assert len(inbox.messages) == 1


def test_credentials_over_plain_smtp_are_refused_with_exit_6_naming_the_variable(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CINEMA_SMTP_URL", "smtp://box:s3cret@127.0.0.1:2525")
    result = run("outbox", "send", "--json", code=6)
    error = json.loads(result.stderr)["error"]
    assert "CINEMA_SMTP_URL" in error["message"]
    assert "starttls=1" in error["message"]
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "smtp://user:pw@mail.example.org",
        "smtp://user@mail.example.org:25",
        "smtp://user:pw@mail.example.org?starttls=0",
    ],
)
def test_credentials_need_tls(url: str) -> None:
    with pytest.raises(InvalidInput, match=r"CINEMA_SMTP_URL.*unencrypted"):
        parse_smtp_url(url)


def test_insecure_says_plain_text_is_meant() -> None:
    settings = parse_smtp_url("smtp://user:pw@mail.example.org?insecure=1")
    assert (settings.username, settings.implicit_tls, settings.starttls) == ("user", False, False)
