"""Wallet passes: a signed .pkpass per ticket (Apple) and a Save to Google Wallet link.

Every certificate is made here: a throwaway root CA, a WWDR-like intermediate and a Pass Type
ID certificate it issues; the Google service-account key is a fresh RSA key.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from builders import NOW
from cinema_cli.adapters.mail import EmlOutbox
from cinema_cli.adapters.wallet_apple import AppleWalletPasses
from cinema_cli.adapters.wallet_google import SAVE_URL, GoogleWalletLinks
from cinema_cli.bootstrap import Runtime
from cinema_cli.config import Settings, WalletSettings
from cinema_cli.domain.errors import InvalidInput
from test_eticket import document

PASS_TYPE = "pass.example.cinema"
TEAM = "ABCDE12345"


def _name(common: str, **extra: str) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if "uid" in extra:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, extra["uid"]))
    return x509.Name(attributes)


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Certificates:
    root: Path
    wwdr: Path
    cert: Path
    key: Path
    wwdr_certificate: x509.Certificate
    pass_certificate: x509.Certificate


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    folder = tmp_path_factory.mktemp("wallet")
    root_key, wwdr_key, pass_key = _key(), _key(), _key()
    root_name = _name("Throwaway Root CA")
    wwdr_name = _name("Throwaway WWDR Intermediate")
    root = _certificate(root_name, root_key, root_name, root_key, ca=True)
    wwdr = _certificate(wwdr_name, wwdr_key, root_name, root_key, ca=True)
    pass_cert = _certificate(
        _name(f"Pass Type ID: {PASS_TYPE}", uid=PASS_TYPE), pass_key, wwdr_name, wwdr_key, ca=False
    )
    paths = {name: folder / f"{name}.pem" for name in ("root", "wwdr", "cert", "key")}
    paths["root"].write_bytes(_pem(root))
    paths["wwdr"].write_bytes(_pem(wwdr))
    paths["cert"].write_bytes(_pem(pass_cert))
    paths["key"].write_bytes(
        pass_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    return Certificates(**paths, wwdr_certificate=wwdr, pass_certificate=pass_cert)


def apple(certificates: Certificates) -> AppleWalletPasses:
    return AppleWalletPasses(
        certificate=certificates.cert,
        private_key=certificates.key,
        wwdr=certificates.wwdr,
        team_id=TEAM,
        pass_type_id=PASS_TYPE,
        key_password="secret",
    )


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_pkpass_unzips_to_a_pass_whose_barcode_is_the_ticket_code(
    certificates: Certificates, tmp_path: Path
) -> None:
    made = apple(certificates).make_passes(document(), tmp_path / "tickets")
    assert set(made.apple) == {line.ticket_id for line in document().tickets}
    for line in document().tickets:
        files = unzip(made.apple[line.ticket_id].read_bytes())
        assert {"pass.json", "manifest.json", "signature", "icon.png"} <= set(files)
        body = json.loads(files["pass.json"])
        assert body["barcodes"][0]["message"] == line.code
        assert body["barcodes"][0]["format"] == "PKBarcodeFormatQR"
        assert (body["passTypeIdentifier"], body["teamIdentifier"]) == (PASS_TYPE, TEAM)
        assert body["serialNumber"] == line.ticket_id
        assert body["relevantDate"] == "2026-11-30T19:00:00-05:00"
        assert body["eventTicket"]["primaryFields"][0]["value"] == document().movie_title
        seat = body["semantics"]["seats"][0]
        assert (seat["seatRow"], seat["seatNumber"]) == ("C", line.seat_id[1:])
        assert body["semantics"]["eventType"] == "PKEventTypeMovie"
        manifest = json.loads(files["manifest.json"])
        assert set(manifest) == set(files) - {"manifest.json", "signature"}
        for name, digest in manifest.items():
            assert hashlib.sha1(files[name]).hexdigest() == digest


def test_the_signature_is_detached_der_with_the_intermediate(
    certificates: Certificates, tmp_path: Path
) -> None:
    made = apple(certificates).make_passes(document(tickets=1), tmp_path)
    files = unzip(next(iter(made.apple.values())).read_bytes())
    carried = pkcs7.load_der_pkcs7_certificates(files["signature"])
    assert certificates.wwdr_certificate in carried
    assert certificates.pass_certificate in carried


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_verifies_the_pass_signature_up_to_the_root(
    certificates: Certificates, tmp_path: Path
) -> None:
    made = apple(certificates).make_passes(document(tickets=1), tmp_path / "passes")
    files = unzip(next(iter(made.apple.values())).read_bytes())
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
    (tmp_path / "signature").write_bytes(files["signature"])
    verify = [
        "openssl", "smime", "-verify", "-binary", "-inform", "DER",
        "-in", str(tmp_path / "signature"), "-content", str(tmp_path / "manifest.json"),
        "-CAfile", str(certificates.root), "-purpose", "any", "-out", "/dev/null",
    ]  # fmt: skip
    good = subprocess.run(verify, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    assert "Verification successful" in good.stderr
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"].replace(b"{", b"{ ", 1))
    tampered = subprocess.run(verify, capture_output=True, text=True, timeout=60)
    assert tampered.returncode != 0


@pytest.fixture(scope="module")
def service_account(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    key = _key()
    path = tmp_path_factory.mktemp("google") / "service-account.json"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": "tickets@cinema.iam.gserviceaccount.com",
                "private_key_id": "key-1",
                "private_key": pem,
            }
        )
    )
    return path, key.public_key()


def test_the_google_wallet_link_is_an_rs256_jwt_with_event_ticket_objects(
    service_account: tuple[Path, Any],
) -> None:
    path, public_key = service_account
    made = GoogleWalletLinks(service_account=path, issuer_id="3388000000012345").make_passes(
        document(), Path("/unused")
    )
    assert made.google_save_url is not None
    assert made.google_save_url.startswith(SAVE_URL)
    token = made.google_save_url.removeprefix(SAVE_URL)
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": "key-1", "typ": "JWT"}
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="google")
    assert claims["iss"] == "tickets@cinema.iam.gserviceaccount.com"
    assert claims["typ"] == "savetowallet"
    (ticket_class,) = claims["payload"]["eventTicketClasses"]
    objects = claims["payload"]["eventTicketObjects"]
    assert [o["barcode"]["value"] for o in objects] == [t.code for t in document().tickets]
    assert {o["classId"] for o in objects} == {ticket_class["id"]}
    assert all(o["id"].startswith("3388000000012345.") for o in objects)
    assert objects[0]["seatInfo"]["row"]["defaultValue"]["value"] == "C"
    assert objects[0]["faceValue"] == {"micros": 12_500_000, "currencyCode": "USD"}
    assert ticket_class["dateTime"]["start"] == "2026-11-30T19:00:00-05:00"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, _key().public_key(), algorithms=["RS256"], audience="google")


def test_the_confirmation_attaches_the_passes_and_carries_the_link(
    certificates: Certificates, service_account: tuple[Path, Any], tmp_path: Path
) -> None:
    passes = apple(certificates).make_passes(document(), tmp_path / "tickets")
    link = GoogleWalletLinks(service_account=service_account[0], issuer_id="33880").make_passes(
        document(), tmp_path
    )
    pdf = tmp_path / "tickets" / "b.pdf"
    pdf.write_bytes(b"%PDF-1.4 stand-in")
    eml = EmlOutbox(tmp_path / "outbox").write_confirmation(document(), pdf, passes.merged(link))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    attached = {
        part.get_filename(): part
        for part in message.iter_attachments()
        if part.get_content_type() == "application/vnd.apple.pkpass"
    }
    assert set(attached) == {f"{t.ticket_id}.pkpass" for t in document().tickets}
    for ticket_id, path in passes.apple.items():
        assert attached[f"{ticket_id}.pkpass"].get_content() == path.read_bytes()
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert f"Save to Google Wallet: {link.google_save_url}" in plain.get_content()
    assert "Save to Google Wallet</a>" in html.get_content()


def test_a_half_configured_wallet_names_what_is_missing(certificates: Certificates) -> None:
    settings = Settings(
        data_dir=Path("/unused"), wallet=WalletSettings(apple_cert=certificates.cert)
    )
    with pytest.raises(InvalidInput) as caught:
        _ = Runtime(settings).wallets
    assert "CINEMA_WALLET_KEY" in caught.value.message
    assert "CINEMA_WALLET_TEAM_ID" in caught.value.message
    assert caught.value.exit_code == 6


def test_no_wallet_settings_make_no_passes() -> None:
    assert Runtime(Settings(data_dir=Path("/unused"))).wallets == ()


def test_a_wrong_key_password_is_a_clear_error(certificates: Certificates) -> None:
    with pytest.raises(InvalidInput, match="CINEMA_WALLET_KEY"):
        AppleWalletPasses(
            certificate=certificates.cert,
            private_key=certificates.key,
            wwdr=certificates.wwdr,
            team_id=TEAM,
            pass_type_id=PASS_TYPE,
            key_password="wrong",
        )


def test_buy_writes_a_pass_per_ticket_and_mails_them(
    certificates: Certificates, service_account: tuple[Path, Any], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from booking_support import APPROVED, seed_catalog
    from builders import utc_text
    from cinema_cli.cli.app import app
    from cinema_cli.storage.json import JsonStorage
    from schema_support import assert_shape

    data = tmp_path / "data"
    storage = JsonStorage(data)
    with storage.transaction() as tx:
        seed_catalog(tx)
    storage.close()
    env = {
        "CINEMA_NOW": utc_text(NOW),
        "CINEMA_WALLET_CERT": str(certificates.cert),
        "CINEMA_WALLET_KEY": str(certificates.key),
        "CINEMA_WALLET_KEY_PASSWORD": "secret",
        "CINEMA_WALLET_WWDR": str(certificates.wwdr),
        "CINEMA_WALLET_TEAM_ID": TEAM,
        "CINEMA_WALLET_PASS_TYPE_ID": PASS_TYPE,
        "CINEMA_GOOGLE_WALLET_KEY": str(service_account[0]),
        "CINEMA_GOOGLE_WALLET_ISSUER_ID": "3388000000012345",
    }
    runner = CliRunner()

    def run(*args: str) -> dict[str, Any]:
        result = runner.invoke(app, ["--data-dir", str(data), *args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        shown: dict[str, Any] = json.loads(result.stdout)
        return shown

    held = run("reserve", "sh-1", "C7", "C8", "--session", "s-ada")
    bought = run(
        "buy", held["reservation_id"], "--session", held["session_id"],
        "--name", "Ada Lovelace", "--email", "ada@example.com", "--card", APPROVED,
    )  # fmt: skip
    assert_shape("purchase", bought)
    folder = data / "tickets" / bought["booking_id"]
    for ticket in bought["tickets"]:
        assert ticket["wallet_pkpass"] == str(folder / f"{ticket['ticket_id']}.pkpass")
        files = unzip(Path(ticket["wallet_pkpass"]).read_bytes())
        assert json.loads(files["pass.json"])["barcodes"][0]["message"] == ticket["code"]
    message = email.message_from_bytes(
        Path(bought["confirmation_eml"]).read_bytes(), policy=email.policy.default
    )
    names = sorted(str(part.get_filename()) for part in message.iter_attachments())
    assert [n for n in names if n.endswith(".pkpass")] == sorted(
        f"{t['ticket_id']}.pkpass" for t in bought["tickets"]
    )
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    assert bought["google_wallet_url"].startswith(SAVE_URL)
    assert bought["google_wallet_url"] in plain.get_content()
