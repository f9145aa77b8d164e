"""Mutual-TLS client authentication at the reference token endpoint (RFC 8705 §2).

I/O-free, like :mod:`reference_impl.client_assertions`: the TLS layer (uvicorn, or whatever
terminates TLS in front of the ASGI app) hands over the leaf certificate the client presented,
as PEM; :class:`CertificateAuthenticator` decides whether it authenticates a given registered
client. Two methods (RFC 8705 §2.1, §2.2):

- ``tls_client_auth`` (PKI): the certificate must chain to one of the registry's trust anchors
  (checked here, with :mod:`cryptography.x509.verification` and the Web PKI client profile,
  except that a subjectAltName is not required) and its subject must match the registered
  ``tls_client_auth_subject_dn``. DNs are compared as names, not strings (RFC 4517
  distinguishedNameMatch, values case-folded with whitespace collapsed as RFC 4518 prepares
  them), so ``cn=A, o=B`` matches ``CN=a,O=B``. Which one of §2.1.2's subject fields is
  registered: only the DN (the reference has no SAN-based registration).
- ``self_signed_tls_client_auth``: no chain is checked; the certificate's ``x5t#S256`` must
  equal one the client registered (RFC 8705 §2.2: the registered certificates are the
  trust).

On success the caller gets the certificate's ``x5t#S256`` (RFC 8705 §3.1): what the issued
access token is bound to (§3).
"""

from __future__ import annotations

import datetime
import hmac
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .common import MTLS_AUTH_METHODS
from .demo_tls import thumbprint_s256

MTLS_METHODS = MTLS_AUTH_METHODS

_SPACES = re.compile(r"\s+")


def load_certificate(pem: str | bytes | None) -> Any | None:
    """The first certificate of a PEM string, or ``None`` when there is none or it is not one."""
    from cryptography import x509

    if not pem:
        return None
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        return None


def load_anchors(pem: bytes, where: str = "trust anchors") -> tuple[Any, ...]:
    """Every certificate in a PEM bundle; ``ValueError`` naming ``where`` when there is none."""
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ValueError(f"{where}: no PEM certificate could be read") from exc
    return tuple(certs)


def _attribute_types() -> dict[str, Any]:
    """Upper-cased attribute type names (RFC 4514 §3 and a few common others) -> OIDs."""
    from cryptography.x509.oid import NameOID

    return {"CN": NameOID.COMMON_NAME, "L": NameOID.LOCALITY_NAME,
            "ST": NameOID.STATE_OR_PROVINCE_NAME, "O": NameOID.ORGANIZATION_NAME,
            "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "C": NameOID.COUNTRY_NAME,
            "STREET": NameOID.STREET_ADDRESS, "DC": NameOID.DOMAIN_COMPONENT,
            "UID": NameOID.USER_ID, "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
            "SERIALNUMBER": NameOID.SERIAL_NUMBER, "SN": NameOID.SURNAME,
            "GN": NameOID.GIVEN_NAME, "TITLE": NameOID.TITLE,
            "ORGANIZATIONIDENTIFIER": NameOID.ORGANIZATION_IDENTIFIER}


def _upper_types(dn: str) -> str:
    """``dn`` with its attribute type names upper-cased (RFC 4512 §1.4: they are
    case-insensitive) and spaces around them dropped; values untouched (escapes respected)."""
    out, in_type, escaped = [], True, False
    for ch in dn:
        if escaped:
            escaped = False
        elif in_type:
            if ch.isspace():
                continue  # RFC 2253-style "CN=a, O=b": no space belongs to a type
            if ch == "=":
                in_type = False
            ch = ch.upper()
        elif ch == "\\":
            escaped = True
        elif ch in ",+":
            in_type = True
        out.append(ch)
    return "".join(out)


def parse_dn(dn: str) -> Any:
    """An RFC 4514 string as a :class:`cryptography.x509.Name` (``ValueError`` if malformed);
    attribute type names in any case (``cn=`` is ``CN=``)."""
    from cryptography import x509

    return x509.Name.from_rfc4514_string(_upper_types(dn), _attribute_types())


def _canonical(name: Any) -> list[frozenset[tuple[str, Any]]]:
    """RDN by RDN (order kept), each a set of (attribute OID, prepared value)."""
    canonical = []
    for rdn in name.rdns:
        values = set()
        for attribute in rdn:
            value = attribute.value
            if isinstance(value, str):
                value = _SPACES.sub(" ", value).strip().casefold()
            values.add((attribute.oid.dotted_string, value))
        canonical.append(frozenset(values))
    return canonical


def dn_matches(name: Any, registered: Any) -> bool:
    """Whether two :class:`~cryptography.x509.Name` values are the same distinguished name
    (RFC 4517 §4.2.15 distinguishedNameMatch with caseIgnoreMatch values)."""
    return _canonical(name) == _canonical(registered)


class CertificateAuthenticator:
    """Checks a presented client certificate against a registered mTLS client."""

    def __init__(self, anchors: Iterable[Any] = ()) -> None:
        self.anchors: tuple[Any, ...] = tuple(anchors)

    def __repr__(self) -> str:
        return f"CertificateAuthenticator(anchors={len(self.anchors)})"

    def authenticate(self, client: Any, cert_pem: str | None, *,
                     now: datetime.datetime | None = None) -> str | None:
        """The ``x5t#S256`` of ``cert_pem`` if it authenticates ``client`` (RFC 8705 §2), else
        ``None`` (no certificate, an unreadable one, or one that does not match)."""
        cert = load_certificate(cert_pem)
        if cert is None:
            return None
        thumbprint = thumbprint_s256(cert)
        if client.auth_method == "self_signed_tls_client_auth":
            return thumbprint if self._registered(thumbprint, client.tls_client_x5t_s256) else None
        if client.auth_method == "tls_client_auth" and client.tls_client_auth_subject_dn:
            if not self.chains_to_anchor(cert, now=now):
                return None
            registered = parse_dn(client.tls_client_auth_subject_dn)
            return thumbprint if dn_matches(cert.subject, registered) else None
        return None

    @staticmethod
    def _registered(thumbprint: str, registered: Sequence[str]) -> bool:
        """Constant-time comparison against every registered thumbprint (no early exit)."""
        found = False
        for value in registered:
            found |= hmac.compare_digest(thumbprint.encode("ascii"),
                                         value.encode("ascii", "replace"))
        return found

    def chains_to_anchor(self, cert: Any, *, now: datetime.datetime | None = None) -> bool:
        """Whether ``cert`` is a valid client certificate (Web PKI client profile, clientAuth
        if it has an EKU, within its validity) issued under one of the anchors."""
        from cryptography import x509
        from cryptography.x509.verification import (
            Criticality,
            ExtensionPolicy,
            PolicyBuilder,
            Store,
            VerificationError,
        )

        if not self.anchors:
            return False
        leaf_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
            x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        builder = (PolicyBuilder().store(Store(list(self.anchors)))
                   .time(now or datetime.datetime.now(datetime.UTC))
                   .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                       ee_policy=leaf_policy))
        try:
            builder.build_client_verifier().verify(cert, [])
        except (VerificationError, ValueError):
            return False
        return True


__all__ = ["MTLS_METHODS", "CertificateAuthenticator", "dn_matches", "load_anchors",
           "load_certificate", "parse_dn"]
