"""X-Forwarded-For/-Proto/-Host, trusted only as far as the operator says: MINHCHUNG_TRUSTED_PROXIES=N means N
proxies stand in front and each sets them. By default (0) they are ignored, so that a client cannot claim
HTTPS (Basic is accepted only over HTTPS) or another address (login throttling counts by address)."""

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxies:
    """WSGI middleware: ProxyFix for the configured number of proxies, read per request (tests change it)."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app, self.config, self.fixed = wsgi_app, config, {}

    def __call__(self, environ, start_response):
        count = self.config.get("TRUSTED_PROXIES") or 0
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        if count not in self.fixed:
            self.fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count, x_host=count)
        return self.fixed[count](environ, start_response)
