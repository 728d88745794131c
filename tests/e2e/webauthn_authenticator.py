"""A software WebAuthn authenticator for the passkey e2e tests (issue 15): real ES256, EdDSA and
RS256 keys (python3-cryptography), attestation `none` and `packed` (self, or x5c with a certificate
python3-cryptography's X.509 builder makes), and the JSON a browser's
PublicKeyCredential.toJSON() produces. Every field a test may want to falsify is a keyword
argument (origin, RP id, flags, sign count, signature, user handle, challenge)."""

import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ORIGIN = "http://localhost:3000"  # the origin of the default SITE_URL
RP_ID = "localhost"

FLAG_UP, FLAG_UV, FLAG_BE, FLAG_BS, FLAG_AT, FLAG_ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80
ALGORITHMS = {"ES256": -7, "EdDSA": -8, "RS256": -257}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value):
    """The CBOR encoding of ints, bytes, str, lists and dicts (WebAuthn's subset), canonical
    enough for an authenticator: keys in the order given."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | info]) + struct.pack(fmt, n)
        raise ValueError(n)
    if isinstance(value, bool):
        return bytes([0xF5 if value else 0xF4])
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


class Key:
    """One credential key pair of `alg` (ES256, EdDSA or RS256)."""

    def __init__(self, alg):
        self.alg = alg
        if alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        elif alg == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(alg)

    def cose(self):
        public = self.private.public_key()
        if self.alg == "ES256":
            numbers = public.public_numbers()
            return cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        if self.alg == "EdDSA":
            from cryptography.hazmat.primitives import serialization
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return cbor({1: 1, 3: -8, -1: 6, -2: raw})
        numbers = public.public_numbers()
        return cbor({1: 3, 3: -257, -1: numbers.n.to_bytes(256, "big"), -2: numbers.e.to_bytes(3, "big")})

    def sign(self, message):
        if self.alg == "ES256":
            return self.private.sign(message, ec.ECDSA(hashes.SHA256()))
        if self.alg == "EdDSA":
            return self.private.sign(message)
        return self.private.sign(message, padding.PKCS1v15(), hashes.SHA256())


class AttestationCertificate:
    """A packed attestation's leaf certificate (self-signed: the chain is not judged) and the key
    that signs the statement. The defaults meet WebAuthn §8.2.1; each keyword breaks one part."""

    AAGUID_OID = "1.3.6.1.4.1.45724.1.1.4"

    def __init__(self, alg="ES256", aaguid=None, aaguid_critical=False, ou="Authenticator Attestation", ca=False):
        from cryptography import x509
        from cryptography.x509.oid import NameOID
        import datetime
        self.key = Key(alg)
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Vendor"),
                          x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                          x509.NameAttribute(NameOID.COMMON_NAME, "Test Authenticator")])
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(self.key.private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if aaguid is not None:
            builder = builder.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier(self.AAGUID_OID), b"\x04\x10" + aaguid),
                critical=aaguid_critical)
        from cryptography.hazmat.primitives import serialization
        self.der = builder.sign(self.key.private, None if alg == "EdDSA" else hashes.SHA256()) \
            .public_bytes(serialization.Encoding.DER)


class Credential:
    def __init__(self, alg, user_handle, backup_eligible):
        self.key = Key(alg)
        self.id = os.urandom(32)
        self.user_handle = user_handle
        self.sign_count = 0
        self.backup_eligible = backup_eligible


def client_data(kind, challenge, origin, cross_origin=False):
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                       "crossOrigin": cross_origin}).encode()


def authenticator_data(rp_id, flags, sign_count, attested=b""):
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count) + attested


class Authenticator:
    """Holds the credentials it made, as a platform authenticator does (discoverable)."""

    def __init__(self):
        self.credentials = {}

    def create(self, options, alg="ES256", fmt="none", uv=True, origin=ORIGIN, rp_id=None, challenge=None,
               backup_eligible=False, backed_up=False, sign_count=0, kind="webauthn.create",
               credential_id=None, extension_results=None, aaguid=b"\0" * 16, certificate=None):
        """navigator.credentials.create() for a PublicKeyCredentialCreationOptionsJSON: the
        new Credential and the registration JSON (toJSON()). With `certificate` (an
        AttestationCertificate, or raw bytes to send as one) fmt packed carries it in x5c and
        its key signs the statement."""
        cred = Credential(alg, unb64url(options["user"]["id"]), backup_eligible)
        if credential_id is not None:
            cred.id = credential_id
        cred.sign_count = sign_count
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if uv else 0) | (FLAG_BE if backup_eligible else 0) \
            | (FLAG_BS if backed_up else 0)
        attested = aaguid + struct.pack(">H", len(cred.id)) + cred.id + cred.key.cose()
        auth_data = authenticator_data(rp_id or options["rp"]["id"], flags, sign_count, attested)
        cdj = client_data(kind, challenge or options["challenge"], origin)
        if fmt == "none":
            statement = {}
        elif fmt == "packed" and certificate is None:
            statement = {"alg": ALGORITHMS[alg],
                         "sig": cred.key.sign(auth_data + hashlib.sha256(cdj).digest())}
        elif fmt == "packed":
            signer = certificate.key if isinstance(certificate, AttestationCertificate) else cred.key
            der = certificate.der if isinstance(certificate, AttestationCertificate) else certificate
            statement = {"alg": ALGORITHMS[signer.alg],
                         "sig": signer.sign(auth_data + hashlib.sha256(cdj).digest()), "x5c": [der]}
        else:
            raise ValueError(fmt)
        attestation = cbor({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        self.credentials[cred.id] = cred
        return cred, {
            "id": b64url(cred.id), "rawId": b64url(cred.id), "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {"clientDataJSON": b64url(cdj), "attestationObject": b64url(attestation),
                         "transports": ["internal", "hybrid"]},
            "clientExtensionResults": extension_results or {},
        }

    def get(self, options, cred, uv=True, origin=ORIGIN, rp_id=None, challenge=None, sign_count=None,
            backed_up=None, backup_eligible=None, tamper=False, user_handle=None, kind="webauthn.get",
            cross_origin=False):
        """navigator.credentials.get() with `cred` for a PublicKeyCredentialRequestOptionsJSON:
        the assertion JSON. The sign count grows by one unless `sign_count` is given."""
        if sign_count is None:
            cred.sign_count += 1
            sign_count = cred.sign_count
        be = cred.backup_eligible if backup_eligible is None else backup_eligible
        flags = FLAG_UP | (FLAG_UV if uv else 0) | (FLAG_BE if be else 0) | (FLAG_BS if backed_up else 0)
        auth_data = authenticator_data(rp_id or options["rpId"], flags, sign_count)
        cdj = client_data(kind, challenge or options["challenge"], origin, cross_origin)
        signature = cred.key.sign(auth_data + hashlib.sha256(cdj).digest())
        if tamper:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        handle = cred.user_handle if user_handle is None else user_handle
        return {
            "id": b64url(cred.id), "rawId": b64url(cred.id), "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {"clientDataJSON": b64url(cdj), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(handle)},
            "clientExtensionResults": {},
        }
