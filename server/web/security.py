"""The desk's headers and error pages.

Content-Security-Policy: scripts, styles, fonts and data from this server only; images from here (and from the
operator's tile server when MINHCHUNG_TILE_URL is set); no inline script or style, no frames, forms post only here.
A problem on a desk page is a page in the person's language (a 401 sends her to the login page), never JSON.
"""

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for

from .. import errors


def is_desk_request():
    """Requests for the desk's pages: its blueprint's, or any page a browser asks for outside the API."""
    if request.blueprint == "web":
        return True
    return not request.path.startswith("/v1") and request.accept_mimetypes.accept_html \
        and "text/html" in request.headers.get("Accept", "")


def content_security_policy():
    images = ["'self'", "data:", "blob:"]
    tile_url = current_app.config.get("TILE_URL")
    if tile_url:
        parts = urlsplit(tile_url)
        images.append(f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}")  # {s}: Leaflet's subdomains
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", f"img-src {' '.join(images)}",
        "connect-src 'self'", "font-src 'self'", "object-src 'none'", "frame-src 'none'", "frame-ancestors 'none'",
        "base-uri 'self'", "form-action 'self'"])


def add_security_headers(response):
    if not is_desk_request():
        return response
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint == "web.static" and response.status_code in (200, 304):
        response.headers["Cache-Control"] = "public, max-age=86400"
    response.vary.add("Cookie")
    return response


def render_html_problem(app):
    """Problems on desk pages render as a page (htmx requests get the bare message to show in place)."""

    def render(error: errors.AppError):
        if error.status == 401 and request.method == "GET" and "HX-Request" not in request.headers:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        template = "problem_fragment.html" if "HX-Request" in request.headers else "problem.html"
        return current_app.make_response((render_template(template, error=error), error.status))

    errors.render_some_paths(is_desk_request, render)
