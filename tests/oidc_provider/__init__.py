"""A real OpenID Connect provider for the single sign-on tests: a tiny Django
project with django-oauth-toolkit (OIDC on, PKCE required, RS256 ID tokens),
started by the test as its own server process on 127.0.0.1 (`python -m
tests.oidc_provider CONFIG.json`). Its people sign in on its own login page."""
