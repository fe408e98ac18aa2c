"""The inventory of the payment page (PCI DSS 6.4.3) and the check that notices a change
of its scripts or security headers (11.6.1): ``paylinks checkpage <hosted page URL>``,
run on a schedule against a deployment, and tests/test_security.py against the code."""

import re
import urllib.request
from urllib.parse import urlsplit

# Every script the payment pages may load, and why (README: "What the payment page loads").
SCRIPTS = {
    "/static/paylinks/app.js": "shows the chosen method's fields, copy buttons",
    "/static/paylinks/checkout.js": "hands the details to the processor, posts the token",
    "/static/paylinks/sandbox.js": "the sandbox's stand-in for Stripe.js (sandbox only)",
    "https://js.stripe.com/v3/": "Stripe.js: Stripe's card field and 3-D Secure (Stripe only)",
}
REQUIRED_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'", "frame-ancestors 'none'", "object-src"),
    "Cache-Control": ("no-store",),
    "Referrer-Policy": ("same-origin",),
    "X-Content-Type-Options": ("nosniff",),
}


def scripts_of(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)


def inline_scripts(html: str) -> int:
    return len(re.findall(r"<script(?![^>]*\bsrc=)", html))


def problems(
    html: str, headers: dict[str, str], allowed_scripts: set[str] | None = None
) -> list[str]:
    """What differs from the inventory: unknown scripts, inline scripts, missing headers."""
    allowed = allowed_scripts if allowed_scripts is not None else set(SCRIPTS)
    found = []
    for src in scripts_of(html):
        path = src if src.startswith("http") else urlsplit(src).path
        path = re.sub(r"\.[0-9a-f]{12}\.js$", ".js", path)  # hashed static names
        if path not in allowed:
            found.append(f"script not in the inventory: {src}")
    if inline_scripts(html):
        found.append("inline script")
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, parts in REQUIRED_HEADERS.items():
        value = lowered.get(name.lower(), "")
        found += [f"{name} lacks {p!r}" for p in parts if p not in value]
    csp = lowered.get("content-security-policy", "")
    script_src = re.search(r"script-src ([^;]*)", csp)
    for origin in script_src.group(1).split() if script_src else []:
        if origin not in ("'self'", "https://js.stripe.com", "https://*.js.stripe.com"):
            found.append(f"script-src allows {origin}")
    return found


def check_url(url: str) -> list[str]:
    with urllib.request.urlopen(url, timeout=20) as r:  # noqa: S310 (an operator's URL)
        return problems(r.read().decode(), dict(r.headers))
