"""The components and connections of the demo org "Acme SaaS" (the same in every tenant).

Two components share the key ``acme`` (a public one with three versions and a private one),
as a marketplace component and an org's own can on Prismatic: ``variant`` tells them apart in
the seed's IDs, and ``components`` lists only latest versions unless ``allVersions``.
Input types follow Prismatic's ``InputFieldType``; ``required`` inputs are *not* enforced by
the API (the dashboard must check them). Connection keys and input keys are what
``InputExpression.name`` refers to.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputDef:
    """One input of a connection: key, label, type and the help a form shows."""

    key: str
    label: str
    type: str = "STRING"
    required: bool = True
    default: str | None = None
    comments: str | None = None
    placeholder: str | None = None
    example: str | None = None
    shown: bool = True
    language: str | None = None  # a CODE input's editor language


@dataclass(frozen=True)
class ConnectionDef:
    """A component's connection; ``oauth2_type`` set means it cannot be org-activated."""

    key: str
    label: str
    inputs: tuple[InputDef, ...]
    comments: str | None = None
    oauth2_type: str | None = None


@dataclass(frozen=True)
class ComponentDef:
    """A component and its connections."""

    key: str
    label: str
    description: str
    connections: tuple[ConnectionDef, ...]
    public: bool = True
    category: str = "Application Connectors"
    version_number: int = 1
    version_days_ago: int = 300
    variant: str = ""
    """Set on components sharing a key: part of their seeded IDs (empty: IDs from the key)."""
    older_versions: int = 0
    """How many earlier versions (``versionNumber`` below this one) exist besides the latest."""

    def identity(self, version: int | None = None) -> str:
        """What seeded IDs of this component (at ``version``, default the latest) derive from."""
        if not self.variant:
            return self.key
        return f"{self.key}|{self.variant}|v{version or self.version_number}"


def _password(key: str, label: str, required: bool = True, comments: str | None = None) -> InputDef:
    return InputDef(key, label, "PASSWORD", required, comments=comments)


def _oauth2(label: str, authorize: str, token: str, scopes: str) -> ConnectionDef:
    return ConnectionDef("oauth2", label, (
        InputDef("authorizeUrl", "Authorize URL", default=authorize, shown=False),
        InputDef("tokenUrl", "Token URL", default=token, shown=False),
        InputDef("scopes", "Scopes", required=False, default=scopes),
        InputDef("clientId", "Client ID"),
        _password("clientSecret", "Client secret"),
    ), comments="OAuth 2.0 authorization code flow", oauth2_type="AUTHORIZATION_CODE")


_USER_PASSWORD = (InputDef("username", "Username"), _password("password", "Password"))

COMPONENTS: tuple[ComponentDef, ...] = (
    ComponentDef("acme-saas", "Acme SaaS", "Acme SaaS's own API (custom component).", (
        ConnectionDef("apiKey", "Acme API key", (
            _password("apiKey", "API key", comments="The customer's key, from Acme SaaS → "
                      "Settings → API keys. Starts with ak_live_."),
            InputDef("baseUrl", "Base URL", default="https://api.acme-saas.com/v2",
                     comments="API endpoint; EU customers use https://eu.api.acme-saas.com/v2."),
            InputDef("timeoutSeconds", "Timeout (seconds)", required=False, default="30",
                     comments="How long a call may take before it is retried."),
        ), comments="One API key per customer."),
    ), public=False, category="Custom", version_number=7, version_days_ago=40),
    ComponentDef("acme-billing", "Acme Billing", "Acme's billing API (custom component).", (
        ConnectionDef("basicAuth", "Billing API basic auth", (
            InputDef("endpoint", "Endpoint", default="https://billing.acme-saas.com/api"),
            *_USER_PASSWORD,
            InputDef("accountNumber", "Account number", example="AC-004211",
                     comments="Added in version 3: the customer's billing account number."),
        )),
    ), public=False, category="Custom", version_number=3, version_days_ago=35),
    ComponentDef("acme-webhooks", "Acme Webhooks", "Signed webhooks from Acme SaaS.", (
        ConnectionDef("hmacSecret", "HMAC signing secret", (
            _password("signingSecret", "Signing secret"),
            InputDef("headerName", "Signature header", default="X-Acme-Signature"),
            InputDef("algorithm", "Algorithm", required=False, default="sha256",
                     comments="sha256 or sha512"),
            InputDef("extraHeaders", "Extra headers", "CODE", required=False, default="{}",
                     language="json",
                     comments="A JSON object of headers added to every delivery."),
        )),
    ), public=False, category="Custom", version_number=2),
    ComponentDef("sftp", "SFTP", "Read and write files on an SFTP server.", (
        ConnectionDef("basic", "Basic Username/Password", (
            InputDef("host", "Host", placeholder="sftp.example.com"),
            InputDef("port", "Port", default="22"),
            *_USER_PASSWORD,
            InputDef("directory", "Directory", required=False, default="/inbound"),
            InputDef("strictHostKeyChecking", "Strict host key checking", "BOOLEAN",
                     required=False, default="true"),
        )),
        ConnectionDef("privateKey", "Private Key", (
            InputDef("host", "Host"), InputDef("port", "Port", default="22"),
            InputDef("username", "Username"), _password("privateKey", "Private key"),
            _password("passphrase", "Passphrase", required=False),
        )),
    ), category="Data Platforms", version_number=12),
    ComponentDef("postgres", "PostgreSQL", "Query and write PostgreSQL databases.", (
        ConnectionDef("postgres", "PostgreSQL Connection", (
            InputDef("host", "Host"), InputDef("port", "Port", default="5432"),
            InputDef("database", "Database"), *_USER_PASSWORD,
            InputDef("ssl", "Require SSL", "BOOLEAN", required=False, default="true"),
            InputDef("options", "Connection options", "CODE", required=False, default="{}",
                     language="json",
                     comments="A JSON object of libpq options, e.g. {\"sslmode\": \"require\"}."),
        )),
    ), category="Data Platforms", version_number=9),
    ComponentDef("http", "HTTP", "Call any HTTP API.", (
        ConnectionDef("basic", "Basic Auth", _USER_PASSWORD),
        ConnectionDef("apiKey", "API Key", (
            _password("apiKey", "API key"),
            InputDef("headerName", "Header name", default="Authorization"),
        )),
    ), category="Application Connectors", version_number=20),
    ComponentDef("hubspot", "HubSpot", "HubSpot CRM.", (
        ConnectionDef("privateAppToken", "Private app access token", (
            _password("accessToken", "Access token"),
            InputDef("portalId", "Portal ID", required=False),
        )),
        _oauth2("OAuth 2.0", "https://app.hubspot.com/oauth/authorize",
                "https://api.hubapi.com/oauth/v1/token", "crm.objects.contacts.read"),
    )),
    ComponentDef("salesforce", "Salesforce", "Salesforce CRM.", (
        _oauth2("OAuth 2.0", "https://login.salesforce.com/services/oauth2/authorize",
                "https://login.salesforce.com/services/oauth2/token", "api refresh_token"),
    )),
    ComponentDef("slack", "Slack", "Post messages to Slack.", (
        ConnectionDef("webhookUrl", "Incoming Webhook", (_password("webhookUrl", "Webhook URL"),)),
        _oauth2("OAuth 2.0", "https://slack.com/oauth/v2/authorize",
                "https://slack.com/api/oauth.v2.access", "chat:write"),
    )),
    ComponentDef("zendesk", "Zendesk", "Zendesk Support.", (
        ConnectionDef("apiToken", "API Token", (
            InputDef("subdomain", "Subdomain"), InputDef("email", "Agent email"),
            _password("apiToken", "API token"),
        )),
    )),
    ComponentDef("acme", "Acme", "Acme's public marketplace component.", (
        ConnectionDef("apiKey", "Acme API key", (_password("apiKey", "API key"),)),
    ), category="Application Connectors", version_number=3, version_days_ago=90,
        variant="public", older_versions=2),
    ComponentDef("acme", "Acme", "Acme SaaS's own build of the Acme component (private).", (
        ConnectionDef("apiKey", "Acme API key", (
            _password("apiKey", "API key"),
            InputDef("region", "Region", required=False, default="us"),
        )),
    ), public=False, category="Custom", version_number=1, version_days_ago=20,
        variant="private"),
)


def find_connection(component: str, connection: str) -> ConnectionDef:
    """The catalog's ``component``/``connection`` definition (KeyError if absent)."""
    for comp in COMPONENTS:
        if comp.key == component:
            for conn in comp.connections:
                if conn.key == connection:
                    return conn
    raise KeyError(f"{component}/{connection}")
