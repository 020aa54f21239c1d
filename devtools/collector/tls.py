"""A throw-away test CA per collector, made with trustme when the collector starts.

The server certificate names ``127.0.0.1`` and ``localhost``. A second, unrelated CA issues the certificate
served under the ``wrong_cert`` fault, so a client that trusts only ``ca_file`` fails verification.
"""
from __future__ import annotations

import os
import ssl


class TestCA:
    """Server TLS contexts (right and wrong) and the CA bundle file a client must trust."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: str) -> None:
        import trustme  # dev dependency, imported only when a TLS collector starts

        ca = trustme.CA(organization_name="botanalytics-lambda test CA")
        other = trustme.CA(organization_name="botanalytics-lambda WRONG CA")
        self.ca_file = os.path.join(directory, "collector-ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        self.context = self._server_context(ca)
        self.wrong_context = self._server_context(other)

    @staticmethod
    def _server_context(ca: object) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)  # type: ignore[attr-defined]
        return context
