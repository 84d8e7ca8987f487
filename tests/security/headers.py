"""What every response must carry, whatever it is (page, file, export, API answer, error):
the Content-Security-Policy of issue 2 (or stricter), nosniff, a Referrer-Policy that keeps
addresses inside the portal, no caching of anything but the static assets, and for a file a
Content-Disposition (downloads as attachments)."""

REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
DOWNLOADS = {
    "text/csv",
    "application/pdf",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def directives(csp: str) -> dict[str, list[str]]:
    found = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def csp_problems(csp: str | None) -> list[str]:
    if not csp:
        return ["no Content-Security-Policy"]
    found, problems = directives(csp), []
    default = found.get("default-src")
    if default not in (["'self'"], ["'none'"]):
        problems.append(f"default-src {default}")
    if found.get("object-src", default) != ["'none'"]:
        problems.append("object-src is not 'none'")
    # base-uri and frame-ancestors do not fall back to default-src
    for name in ("base-uri", "frame-ancestors"):
        if found.get(name) != ["'none'"]:
            problems.append(f"{name} is not 'none'")
    for word in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:"):
        if any(word in values for name, values in found.items() if name != "img-src"):
            problems.append(f"{word} allowed")
    return problems


def header_problems(response, *, static: bool = False) -> list[str]:
    """Everything wrong with the response's security headers ([] if nothing)."""
    headers = response.headers
    problems = csp_problems(headers.get("Content-Security-Policy"))
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')}")
    if not static and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control {headers.get('Cache-Control')} (not no-store)")
    disposition = headers.get("Content-Disposition", "")
    if response.mimetype in DOWNLOADS and not disposition.startswith("attachment;"):
        problems.append(f"{response.mimetype} without Content-Disposition: attachment")
    if response.mimetype.startswith("image/") and not static and "filename" not in disposition:
        problems.append("an image without Content-Disposition and its file name")
    return problems
